/**
 * Starting session programs without forking Node (native/src/spawn.c, src/node/native-spawn.ts):
 * what the program sees (arguments, environment, directory, stdin/stdout/stderr, a new session,
 * default signals, no descriptor it was not given), what the server sees (exit code, signal,
 * 'exit' then 'close' after the output), and the errors. spawnWithPipes is checked both ways
 * (native, and child_process as the fallback) with a terminal master open in this process,
 * which node-pty leaves inheritable. In CI the native path must be there.
 */
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import type { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { spawn as ptySpawn } from 'node-pty';
import { nativeCrypto, nativeStatus } from '../../src/crypto/native.js';
import { NativeChild, nativeSpawnAvailable, type ProgramProcess } from '../../src/node/native-spawn.js';
import { spawnWithPipes, type LaunchSpec } from '../../src/node/user-process.js';

function available(t: TestContext): boolean {
  if (nativeSpawnAvailable()) return true;
  const status = nativeStatus();
  const why = status.loaded ? 'the addon cannot spawn here (glibc < 2.34 or no pidfds)' : status.reason;
  if (process.env.CI && process.env.HUSH_NATIVE !== '0') throw new Error(`CI is set, so native spawn must work: ${why}`);
  console.log(`skipping: native spawn not in use (${why})`);
  t.skip(why);
  return false;
}

function collect(stream: Readable | null): Promise<string> {
  const parts: Buffer[] = [];
  stream!.on('data', (b: Buffer) => parts.push(b));
  return new Promise((resolve) => stream!.once('end', () => resolve(Buffer.concat(parts).toString())));
}

interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  events: string[];
}

async function run(child: ProgramProcess, input?: string): Promise<Ran> {
  const events: string[] = [];
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  child.stdout!.once('end', () => events.push('stdout end'));
  const exit = new Promise<void>((resolve) => child.on('exit', () => (events.push('exit'), resolve())));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, signal) => (events.push('close'), resolve([code, signal]))),
  );
  if (input !== undefined) child.stdin!.end(input);
  const [code, signal] = await closed;
  await exit;
  return { stdout: await out, stderr: await err, code, signal, events };
}

describe('native spawn', () => {
  it('runs the program with its arguments, environment and directory, and reports its exit code', async (t) => {
    if (!available(t)) return;
    const child = new NativeChild('/bin/sh', ['-c', 'echo "$1 $FOO $(pwd)"; echo oops >&2; cat; exit 42', 'sh', 'arg one'], {
      env: { FOO: 'bar baz', PATH: '/usr/bin:/bin' },
      cwd: '/tmp',
    });
    // The start runs on the thread pool: the streams exist at once, the pid comes with 'spawn'.
    assert.equal(child.pid, undefined);
    const spawned = new Promise<void>((resolve) => child.once('spawn', resolve));
    const r = await run(child, 'from stdin\n');
    await spawned;
    assert.ok(child.pid! > 0);
    assert.equal(r.stdout, 'arg one bar baz /tmp\nfrom stdin\n');
    assert.equal(r.stderr, 'oops\n');
    assert.equal(r.code, 42);
    assert.equal(r.signal, null);
    assert.equal(child.exitCode, 42);
    // 'close' comes last: after the exit and after the output was read to its end.
    assert.equal(r.events.at(-1), 'close');
  });

  it('gives the program only its environment (nothing of this process)', async (t) => {
    if (!available(t)) return;
    const r = await run(new NativeChild('/usr/bin/env', [], { env: { ONLY: '1' } }));
    assert.equal(r.stdout, 'ONLY=1\n');
  });

  it('gives the program a socket as stdin and pipes as stdout and stderr, as sshd does on Linux', async (t) => {
    if (!available(t)) return;
    const child = new NativeChild('/bin/sh', ['-c', 'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done; cat'], { env: {} });
    const r = await run(child, 'in\n');
    const [stdin, stdout, stderr, echoed] = r.stdout.split('\n');
    assert.match(stdin!, /^socket:/);
    assert.match(stdout!, /^pipe:/);
    assert.match(stderr!, /^pipe:/);
    assert.notEqual(stdout, stderr);
    assert.equal(echoed, 'in');
    assert.equal(r.code, 0);
  });

  it('reports a signal as the signal, and kill() reaches the program', async (t) => {
    if (!available(t)) return;
    const child = new NativeChild('/bin/sleep', ['30'], { env: {} });
    const ran = run(child);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(child.kill('SIGTERM'), true);
    const r = await ran;
    assert.equal(r.code, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(child.signalCode, 'SIGTERM');
    // After it was reaped its pid may belong to someone else: no more signals.
    assert.equal(child.kill('SIGTERM'), false);
  });

  it('delivers a signal asked for before the program had started, once it has', async (t) => {
    if (!available(t)) return;
    const child = new NativeChild('/bin/sleep', ['30'], { env: {} });
    assert.equal(child.pid, undefined);
    assert.equal(child.kill('SIGINT'), true);
    const r = await run(child);
    assert.equal(r.signal, 'SIGINT');
  });

  it('starts the program in a new session with default signals and an empty signal mask', async (t) => {
    if (!available(t)) return;
    const sid = await run(new NativeChild('/bin/sh', ['-c', 'read -r _ _ _ _ _ sid _ < /proc/$$/stat; echo "$$ $sid"'], { env: {}, detached: true }));
    const [pid, session] = sid.stdout.trim().split(' ');
    assert.equal(session, pid, 'the program should lead its own session');
    // Node ignores SIGPIPE; a program started from it must not inherit that, nor glibc's
    // internal signals 32 and 33 (which posix_spawn would leave ignored unless asked). The
    // program reads its own status (a shell's, read from its child, shows whatever the shell
    // blocks while it waits).
    const r = await run(new NativeChild('/bin/grep', ['-E', '^Sig(Ign|Blk)', '/proc/self/status'], { env: {}, detached: true }));
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
  });

  it('reports the errno of a program that cannot start as an error event, and refuses bad arguments', async (t) => {
    if (!available(t)) return;
    const failure = (child: NativeChild): Promise<Error & { code?: string; path?: string }> =>
      new Promise((resolve, reject) => {
        child.once('error', resolve);
        child.once('spawn', () => reject(new Error('it started')));
      });
    const missing = new NativeChild('/nonexistent/program', [], { env: {} });
    const e = await failure(missing);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.path, '/nonexistent/program');
    assert.match(e.message, /spawn \/nonexistent\/program ENOENT/);
    assert.equal(missing.pid, undefined);
    assert.equal(missing.kill('SIGTERM'), false, 'nothing to signal');
    assert.equal((await failure(new NativeChild('/etc/passwd', [], { env: {} }))).code, 'EACCES');
    assert.equal((await failure(new NativeChild('/bin/true', [], { env: {}, cwd: '/nonexistent' }))).code, 'ENOENT');
    const addon = nativeCrypto()!;
    const none = (): void => undefined;
    assert.throws(() => addon.spawn('sh', ['sh'], [], '', false, none, none), { code: 'ERR_NATIVE_ARGS' }); // not absolute
    assert.throws(() => addon.spawn('/bin/true', ['a\0b'], [], '', false, none, none), { code: 'ERR_NATIVE_ARGS' });
    assert.throws(() => addon.spawn('/bin/true', ['true'], ['X=\0'], '', false, none, none), { code: 'ERR_NATIVE_ARGS' });
    assert.throws(() => addon.spawn('/bin/true', 'true' as never, [], '', false, none, none), { code: 'ERR_NATIVE_ARGS' });
    assert.throws(() => addon.spawn('/bin/true', ['true'], [], '', false, none, 'no' as never), { code: 'ERR_NATIVE_ARGS' });
    assert.throws(() => addon.spawn('/bin/true', ['true'], [], '', false, 'no' as never, none), { code: 'ERR_NATIVE_ARGS' });
  });

  it('runs many programs at once, each with its own output and status', async (t) => {
    if (!available(t)) return;
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => run(new NativeChild('/bin/sh', ['-c', `head -c ${1000 * i} /dev/zero | wc -c; exit ${i}`], { env: { PATH: '/usr/bin:/bin' } }))),
    );
    runs.forEach((r, i) => {
      assert.equal(r.code, i);
      assert.equal(r.stdout.trim(), String(1000 * i));
    });
  });
});

describe('spawnWithPipes', () => {
  const me = userInfo();
  const spec = (command: string): LaunchSpec => ({
    account: { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: '/bin/sh' },
    file: '/bin/sh',
    args: ['-c', command],
    env: new Map([['PATH', '/usr/bin:/bin']]),
    cwd: '/',
  });
  const above2 = (listing: string): string[] =>
    listing
      .split('\n')
      .map((l) => /\s(\d+) -> (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) > 2)
      .map((m) => `${m[1]} -> ${m[2]}`);

  for (const native of [true, false]) {
    it(`${native ? 'natively' : 'through child_process'}: no descriptor of this process reaches the program, not even a terminal master`, async (t) => {
      if (native && !available(t)) return;
      // node-pty leaves its master without FD_CLOEXEC: the descriptor every later child would inherit.
      const holder = ptySpawn('/bin/sleep', ['5'], { cols: 80, rows: 24 });
      t.after(() => holder.kill());
      const child = spawnWithPipes(spec('ls -l /proc/$$/fd'), { native });
      assert.equal(child instanceof NativeChild, native, 'the path asked for was not the one taken');
      const r = await run(child);
      assert.equal(r.code, 0, r.stderr);
      const stray = above2(r.stdout).filter((l) => !l.endsWith(' -> /dev/null'));
      assert.deepEqual(stray, [], 'the program holds descriptors it was not given');
      assert.doesNotMatch(r.stdout, /ptmx|pts/);
      if (native) assert.deepEqual(above2(r.stdout), [], 'the native path closes every descriptor above 2');
    });
  }
});

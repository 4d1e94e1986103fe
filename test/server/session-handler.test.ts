/**
 * The session handler's pieces: AcceptEnv patterns, terminal modes as stty words, a pty of the
 * requested size and modes (hush client), window-change, and descriptor hygiene between
 * sessions (node-pty's masters must not reach other sessions' programs).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeTerminalModes, encodeTerminalModes, TerminalModeOpcode as Op } from '../../src/connection/session-requests.js';
import { sttyArguments } from '../../src/node/pty.js';
import { compilePattern } from '../../src/node/session-handler.js';
import { needsUserSwitch } from '../../src/node/user-process.js';
import { sleep, startFixture, waitFor, type Fixture } from './fixture.js';

test('AcceptEnv patterns match as sshd match_pattern: * and ? only, the rest literally', () => {
  const lc = compilePattern('LC_*');
  assert.ok(lc.test('LC_ALL') && lc.test('LC_') && !lc.test('XLC_ALL') && !lc.test('lc_all'));
  const q = compilePattern('A?C');
  assert.ok(q.test('ABC') && !q.test('AC') && !q.test('ABBC'));
  const dot = compilePattern('A.B');
  assert.ok(dot.test('A.B') && !dot.test('AxB'));
  assert.ok(compilePattern('X(Y)+').test('X(Y)+'));
});

test('setpriv is needed for another user, and for root only when the groups differ', (t) => {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const me = { name: 'someone', uid, gid, home: '/', shell: '/bin/sh' };
  if (uid !== 0) {
    // Not root: the program runs as this process in any case, no switch is possible.
    assert.equal(needsUserSwitch({ ...me, uid: uid + 1 }), false);
    t.diagnostic('not root: only the unprivileged answer is checked');
    return;
  }
  assert.equal(needsUserSwitch({ ...me, uid: 1000, gid: 1000 }), true, 'another user');
  assert.equal(needsUserSwitch({ ...me, name: 'root', gid: gid + 1 }), true, 'root with another primary group');
  // root with this process's ids: no switch exactly when /etc/group gives root the groups this process has.
  const listed = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && f[3]!.split(',').includes('root'))
    .map((f) => Number(f[2]));
  const want = new Set([gid, ...listed]);
  const have = new Set([gid, ...process.getgroups!()]);
  const same = want.size === have.size && [...want].every((g) => have.has(g));
  assert.equal(needsUserSwitch({ ...me, name: 'root' }), !same);
});

test('terminal modes become stty words; the last of a repeated opcode wins', () => {
  const modes = decodeTerminalModes(
    encodeTerminalModes([
      { opcode: Op.VINTR, value: 3 },
      { opcode: Op.VERASE, value: 127 },
      { opcode: Op.VEOF, value: 255 },
      { opcode: Op.ECHO, value: 1 },
      { opcode: Op.ECHO, value: 0 },
      { opcode: Op.IUTF8, value: 1 },
      { opcode: Op.CS8, value: 1 },
      { opcode: Op.CS7, value: 0 },
      { opcode: Op.TTY_OP_ISPEED, value: 38400 },
      { opcode: Op.VDSUSP, value: 25 },
    ]),
  );
  assert.deepEqual(sttyArguments(modes), ['intr', '0x3', 'erase', '0x7f', 'eof', 'undef', '-echo', 'iutf8', 'cs8']);
});

test('a pty of the requested size and modes; window-change resizes it', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  const proc = await client.spawn("stty -a; trap 'stty size; exit 0' WINCH; echo ready; sleep 5 & wait", {
    pty: {
      term: 'vt220',
      cols: 123,
      rows: 45,
      modes: [
        { opcode: Op.VERASE, name: 'VERASE', value: 8 },
        { opcode: Op.ECHO, name: 'ECHO', value: 0 },
        { opcode: Op.IUTF8, name: 'IUTF8', value: 1 },
      ],
    },
  });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => out.includes('ready'), 10_000, 'the program to start');
  assert.match(out, /rows 45; columns 123/);
  assert.match(out, /erase = \^H/);
  assert.match(out, /(^|\s)-echo(\s|$)/m);
  assert.match(out, /(^|\s)iutf8(\s|$)/m);
  proc.resize(100, 30);
  const st = await proc.wait();
  assert.equal(st.code, 0);
  assert.match(out, /30 100/);
});

test('no session inherits another session\'s terminal or any other stray descriptor', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  const holder = await client.spawn('sleep 3', { pty: true });
  await sleep(300);
  // The shell's descriptors above 2 ("N -> target"), listed by ls from outside.
  const list = 'ls -l /proc/$$/fd';
  const above2 = (text: string): string[] =>
    text
      .replace(/\r/g, '')
      .split('\n')
      .map((l) => /\s(\d+) -> (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) > 2)
      .map((m) => `${m[1]} -> ${m[2]}`);
  const pipes = await client.exec(list);
  assert.equal(pipes.code, 0, pipes.stderr.toString());
  // /dev/null stands where this server process had descriptors that were not close-on-exec.
  const stray = above2(pipes.stdout.toString()).filter((l) => !l.endsWith(' -> /dev/null'));
  assert.deepEqual(stray, [], 'a pipes session holds descriptors it was not given');
  assert.doesNotMatch(pipes.stdout.toString(), /ptmx|pts/);
  const tty = await client.exec(list, { pty: true });
  const strayTty = above2(tty.stdout.toString());
  assert.deepEqual(strayTty, [], 'a pty session holds descriptors it was not given');
  holder.kill('KILL');
  await holder.wait();
});

test('program output reaches the client byte for byte, stdout and stderr apart, also while the client reads slowly', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  // Random bytes, so a reused or overwritten read buffer could not go unnoticed; the program
  // keeps a copy of what it wrote for the comparison.
  const r = await client.exec('head -c 6000000 /dev/urandom | tee out.bin; head -c 300000 /dev/urandom | tee err.bin >&2');
  assert.equal(r.code, 0);
  assert.ok(Buffer.from(r.stdout).equals(readFileSync(join(fx.home, 'out.bin'))), 'stdout differs from what the program wrote');
  assert.ok(Buffer.from(r.stderr).equals(readFileSync(join(fx.home, 'err.bin'))), 'stderr differs from what the program wrote');
  // A reader that pauses: the program is held at the window and the bytes still arrive intact.
  const proc = await client.spawn('head -c 6000000 /dev/urandom | tee slow.bin');
  const parts: Buffer[] = [];
  proc.stdout.on('data', (b: Buffer) => {
    parts.push(b);
    if (parts.length % 16 === 0) {
      proc.stdout.pause();
      setTimeout(() => proc.stdout.resume(), 20);
    }
  });
  const ended = new Promise((resolve) => proc.stdout.once('end', resolve));
  const st = await proc.wait();
  await ended; // the status may come before a paused reader has taken everything
  assert.equal(st.code, 0);
  assert.ok(Buffer.concat(parts).equals(readFileSync(join(fx.home, 'slow.bin'))), 'slowly read stdout differs');
});

test('a program that cannot start: the client reads why on stderr and gets exit status 1, the server carries on', async (t) => {
  let shell = '/nonexistent/shell';
  const fx: Fixture = await startFixture(t, {
    // The fixture's account (its home holds authorized_keys), with a login shell that is not there.
    users: (name) => (name === 'tester' ? { ...fx.account, shell } : undefined),
  });
  const client = await fx.client();
  t.after(() => client.close());
  const r = await client.exec('echo never');
  assert.equal(r.code, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr.toString(), /cannot start the session's program: .*\/nonexistent\/shell.*ENOENT/);
  // The 'session' event still comes, without a pid; the connection still serves sessions.
  await waitFor(() => fx.events.some((e) => e.name === 'session'), 5000, 'the session event');
  const started = fx.events.find((e) => e.name === 'session')!.event as { pid?: number };
  assert.equal(started.pid, undefined);
  // The account is looked up at login: a new connection sees the shell that is there now.
  shell = '/bin/sh';
  const again = await fx.client();
  t.after(() => again.close());
  const ok = await again.exec('echo fine');
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout.toString(), 'fine\n');
  await waitFor(() => fx.events.filter((e) => e.name === 'session').length === 2, 5000, 'the second session event');
  const second = fx.events.filter((e) => e.name === 'session')[1]!.event as { pid?: number };
  assert.ok((second.pid ?? 0) > 0, 'a started program has its pid in the session event');
});

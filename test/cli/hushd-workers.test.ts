/** hushd with `Workers 2`: worker processes, replacement of a dead one, SIGHUP and SIGTERM, with OpenSSH's ssh as the client. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hushdFiles, startHushd } from './hushd-fixture.js';
import { test } from 'node:test';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen } from '../harness/peers.js';
import { spawnTracked } from '../harness/processes.js';



/** The hushd worker processes: direct children of `pid` running hushd.js. */
function workers(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${e}/cmdline`, 'latin1').includes('hushd.js')) out.push(Number(e));
    } catch {
      // exited while we looked
    }
  }
  return out.sort((a, b) => a - b);
}

/** A remote command printing the pids of the shell and its ancestors (one of them is the worker that serves it). */
const ANCESTORS = ['p=$$;', 'while', '[', '"$p"', '-gt', '1', '];', 'do', 'echo', '$p;', 'p=$(cut', "-d' '", '-f4', '/proc/$p/stat);', 'done'];

test('Workers 2: two worker processes serve OpenSSH ssh; a killed worker is replaced; SIGHUP reloads every worker; SIGTERM stops them all', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, id, hk, port, conf, write: writeBase } = await hushdFiles(t);
  const write = (extra: string) => writeBase(`Workers 2\n${extra}`);
  write('AllowUsers root');
  const d = await startHushd(['-f', conf]);
  const pid = d.proc.pid!;
  const seen = new Set<number>();
  try {
    const ssh = (cmd: string[]) => runClient(opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], knownHostKeys: [hk.publicLine], command: cmd }), { timeoutMs: 20_000 });
    /** Which worker served each of `n` connections (one after another). */
    const servedBy = async (n: number, pool: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await ssh(ANCESTORS);
        assert.equal(r.code, 0, `${r.stderr}\n${d.log()}`);
        const w = r.stdout.split('\n').map(Number).find((p) => pool.includes(p));
        assert.ok(w !== undefined, `served by none of the workers ${pool}: ${r.stdout}`);
        out.push(w);
      }
      return out;
    };

    const first = workers(pid);
    assert.equal(first.length, 2, `two workers under hushd (pid ${pid}): ${first}\n${d.log()}`);
    for (const w of first) seen.add(w);
    assert.equal(d.log().match(/Server listening on/g)?.length, 1, 'the listening line is logged once');
    // node:cluster hands connections to the workers in turn: both serve.
    assert.deepEqual(new Set(await servedBy(4, first)), new Set(first));
    assert.equal(d.log().match(/Accepted publickey for root/g)?.length, 4);

    // A worker killed outright is replaced (after the back-off) and the new one serves.
    let mark = d.log().length;
    process.kill(first[0]!, 'SIGKILL');
    await d.until(new RegExp(`Worker \\d \\(pid ${first[0]}\\) was killed by SIGKILL; starting a new one in 0\\.1 s\\.`), mark);
    const replacement = Number((await d.until(/Worker \d restarted \(pid (\d+)\)\./, mark))[1]);
    const second = workers(pid);
    assert.deepEqual(second, [first[1]!, replacement].sort((a, b) => a - b));
    seen.add(replacement);
    assert.deepEqual(new Set(await servedBy(4, second)), new Set(second));
    // Killed again while young: the back-off doubles, so a crash loop does not spin.
    mark = d.log().length;
    process.kill(replacement, 'SIGKILL');
    await d.until(/was killed by SIGKILL; starting a new one in 0\.2 s\./, mark);
    const third = Number((await d.until(/Worker \d restarted \(pid (\d+)\)\./, mark))[1]);
    seen.add(third);
    const live = workers(pid);
    assert.equal(live.length, 2);

    // SIGHUP: a session that is running carries on; every worker refuses root afterwards.
    const wait = opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], command: ['echo', 'started;', 'while', '[', '!', '-e', join(tmp.path, 'go'), '];', 'do', 'sleep', '0.05;', 'done;', 'echo', 'still-here'] });
    const running = spawnTracked(wait.cmd, wait.args, wait.env);
    let runningOut = '';
    const runningDone = new Promise<number | null>((r) => running.once('exit', (code) => r(code)));
    await new Promise<void>((resolve) =>
      running.stdout!.on('data', (b: Buffer) => {
        runningOut += b.toString();
        if (runningOut.includes('started')) resolve();
      }),
    );
    write('AllowUsers nobody');
    mark = d.log().length;
    d.proc.kill('SIGHUP');
    // Logged once every worker has switched.
    await d.until(/Received SIGHUP; configuration reloaded\./, mark);
    for (let i = 0; i < 4; i++) {
      const refused = await ssh(['true']);
      assert.match(refused.stderr, /Permission denied/, `connection ${i} after the reload`);
    }
    writeFileSync(join(tmp.path, 'go'), '');
    assert.equal(await runningDone, 0);
    assert.equal(runningOut, 'started\nstill-here\n', 'the session that was running carried on');
    // A broken file is reported once, by the primary, and changes nothing.
    writeFileSync(conf, 'Port banana\n');
    mark = d.log().length;
    d.proc.kill('SIGHUP');
    await d.until(/reload failed, keeping the running configuration: .* line 1: Badly formatted port number\./, mark);
    write('AllowUsers root');
    mark = d.log().length;
    d.proc.kill('SIGHUP');
    await d.until(/configuration reloaded/, mark);
    assert.equal(d.log().match(/reload failed/g)?.length, 1);
    assert.equal((await ssh(['echo', 'ok'])).stdout, 'ok\n');
    assert.deepEqual(workers(pid), live, 'no worker was restarted by the reloads');
  } finally {
    const code = await new Promise<number | null>((r) => {
      if (d.proc.exitCode !== null) return r(d.proc.exitCode);
      d.proc.once('exit', (c) => r(c));
      d.proc.kill('SIGTERM');
    });
    assert.equal(code, 0, `SIGTERM shuts down cleanly: ${d.log()}`);
    assert.match(d.log(), /Received signal; terminating\./);
    // The primary exits after its workers: none is left.
    for (const w of seen) assert.equal(existsSync(`/proc/${w}`), false, `worker ${w} is gone`);
  }
});

test('Workers: -T prints the effective value (auto = available CPUs, -d = 1); a bad value stops the start with file and line; bind errors still exit 1', async (t) => {
  const tmp = await makeTempDir(t);
  const hk = await sshKeygen(tmp.path, 'ed25519', 'host_key');
  const run = (args: string[]) => spawnSync(process.execPath, ['dist/src/cli/hushd.js', ...args], { encoding: 'utf8', timeout: 20_000 });
  const conf = join(tmp.path, 'sshd_config');
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort 2299\nHostKey ${hk.privatePath}\nWorkers auto\n`);
  assert.match(run(['-T', '-f', conf]).stdout, new RegExp(`^workers ${availableParallelism()}$`, 'm'));
  assert.match(run(['-T', '-f', conf, '-d']).stdout, /^workers 1$/m, '-d: one process, as sshd -d');
  assert.match(run(['-T', '-f', conf, '--workers', '3']).stdout, /^workers 3$/m, 'the command line wins over the file');
  writeFileSync(conf, `Port 2299\nHostKey ${hk.privatePath}\n`);
  assert.match(run(['-T', '-f', conf]).stdout, /^workers 1$/m, 'default: one process');
  for (const [line, reason] of [
    ['Workers lots', 'Bad Workers value "lots"'],
    ['Workers 0', 'Bad Workers value "0"'],
    ['Workers', 'no argument after keyword "Workers"'],
    ['Match User alice\n  Workers 2', "Directive 'Workers' is not allowed within a Match block"],
  ] as const) {
    writeFileSync(conf, `Port 2299\nHostKey ${hk.privatePath}\n${line}\n`);
    const r = run(['-t', '-f', conf]);
    assert.equal(r.status, 1, line);
    const n = 2 + line.split('\n').length;
    assert.ok(r.stderr.startsWith(`hushd: ${conf} line ${n}: ${reason}`), `${line}: ${r.stderr}`);
  }
  const bad = run(['-t', '-f', conf, '--workers', 'many']);
  assert.match(bad.stderr, /^hushd: command-line line 1: Bad Workers value "many"/);

  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as { port: number }).port;
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nWorkers 2\n`);
  const c = run(['-e', '-f', conf]);
  busy.close();
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stderr, /^hushd: Bind to port \d+ on 127\.0\.0\.1 failed: Address already in use\.$/m);
  assert.doesNotMatch(c.stderr, /\n\s+at /);
});

/**
 * OpenSSH ssh against the hush server's sessions: exit status, stdout/stderr separation, stdin
 * with EOF, pseudo-terminals (tty, size, modes), signals, `ssh -N`, the AcceptEnv allow-list and
 * the authorized_keys options command=, no-pty, environment=, restrict.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeExec, encodePtyRequest } from '../../src/connection/session-requests.js';
import { findBinary, opensshClientArgs, requirePeer, runClient, sshKeygen } from '../harness/peers.js';
import { startFixture, sleep, waitFor } from './fixture.js';

test('ssh host cmd: exit status, stdout and stderr apart', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  for (const code of [0, 1, 42, 255]) {
    const r = await fx.ssh([`exit ${code}`]);
    assert.equal(r.code, code, `exit ${code}: ${r.stderr}`);
  }
  const r = await fx.ssh(["sh -c 'echo out; echo err >&2'"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  // The session ran as the test user, in its home, with sshd's environment.
  const env = await fx.ssh(['pwd; echo "$USER $LOGNAME $HOME $SHELL"; echo "$PATH"; echo "$SSH_CONNECTION"; echo "${SSH_TTY-none}"']);
  const lines = env.stdout.split('\n');
  assert.equal(lines[0], fx.home);
  assert.equal(lines[1], `tester tester ${fx.home} /bin/sh`);
  assert.match(lines[2]!, /^\/usr\/local\/(s)?bin:/);
  assert.match(lines[3]!, new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${fx.port}$`));
  assert.equal(lines[4], 'none');
  const started = fx.events.filter((e) => e.name === 'session');
  assert.ok(started.length >= 5);
  assert.ok(fx.events.some((e) => e.name === 'authenticated' && (e.event as { fingerprint?: string }).fingerprint === fx.key.fingerprint));
});

test('ssh host < file: stdin arrives whole, then EOF', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const data = randomBytes(5 * 1024 * 1024);
  const wc = await fx.ssh(['wc -c'], { input: data, timeoutMs: 60_000 });
  assert.equal(wc.code, 0, wc.stderr);
  assert.equal(wc.stdout.trim(), String(data.length));
  const sum = await fx.ssh(['sha256sum'], { input: data, timeoutMs: 60_000 });
  assert.equal(sum.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
  // cat echoes it back byte for byte (text, since the harness collects stdout as UTF-8).
  const text = Array.from({ length: 20000 }, (_, i) => `line ${i} ${'x'.repeat(i % 90)}`).join('\n') + '\n';
  const cat = await fx.ssh(['cat'], { input: text, timeoutMs: 60_000 });
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, text);
  // A program that never reads its stdin still ends, and the input is dropped.
  const skip = await fx.ssh(['echo done'], { input: data, timeoutMs: 60_000 });
  assert.equal(skip.stdout, 'done\n');
  assert.equal(skip.code, 0);
});

test('ssh -tt: the program runs on a pseudo-terminal owned by the user, with the client\'s modes', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const r = await fx.ssh(['tty; echo "SSH_TTY=$SSH_TTY"; stat -c %u:%a "$(tty)"; test -t 0 && echo stdin-is-tty; exit 3'], { extra: ['-tt'] });
  assert.equal(r.code, 3, r.stderr);
  const out = r.stdout.replace(/\r/g, '');
  const tty = /^(\/dev\/pts\/\d+)$/m.exec(out)?.[1];
  assert.ok(tty, out);
  assert.match(out, new RegExp(`^SSH_TTY=${tty}$`, 'm'));
  assert.match(out, new RegExp(`^${fx.account.uid}:6[02]0$`, 'm'));
  assert.match(out, /^stdin-is-tty$/m);
  // Without a controlling terminal, ssh sends a size of 0x0: taken as 80x24.
  const size = await fx.ssh(['stty size'], { extra: ['-tt'] });
  assert.equal(size.stdout.replace(/\r/g, '').trim(), '24 80');
});

test('ssh -tt under tmux: stty size is the size of the client\'s terminal; window-change follows a resize', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmux = findBinary('tmux');
  if (!tmux) {
    t.skip('tmux is not installed (apt-get install -y tmux)');
    return;
  }
  const fx = await startFixture(t);
  const conf = join(fx.dir, 'tmux.conf');
  writeFileSync(conf, 'set -g status off\n');
  const sock = `hush-test-${process.pid}-${Date.now()}`;
  const out = join(fx.dir, 'size.out');
  const cmd = opensshClientArgs({
    dir: fx.dir,
    port: fx.port,
    user: 'tester',
    identityFiles: [fx.key.privatePath],
    knownHostKeys: [fx.hostKeyLine],
    configLines: ['LogLevel ERROR'],
    extra: ['-tt'],
    command: ["stty size; trap 'stty size' WINCH; sleep 3 & wait; wait"],
  });
  const quoted = [cmd.cmd, ...cmd.args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = await runClient(tmux, ['-L', sock, '-f', conf, 'new-session', '-d', '-x', '132', '-y', '43', `HOME='${fx.dir}' ${quoted} > '${out}' 2>&1`]);
  t.after(() => runClient(tmux, ['-L', sock, 'kill-server']));
  assert.equal(started.code, 0, started.stderr);
  await waitFor(() => {
    try {
      return readFileSync(out, 'utf8').includes('43 132');
    } catch {
      return false;
    }
  }, 15_000, 'stty size in tmux');
  // Resize the tmux window: ssh sends window-change, the shell's WINCH trap prints the new size.
  const resized = await runClient(tmux, ['-L', sock, 'resize-window', '-x', '100', '-y', '30']);
  assert.equal(resized.code, 0, resized.stderr);
  await waitFor(() => readFileSync(out, 'utf8').includes('30 100'), 15_000, 'the new size after window-change');
});

test('signals: a command killed by a signal, ssh reports it with status 255', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const r = await fx.ssh(['kill -TERM $$'], { configLines: ['LogLevel INFO'] });
  // OpenSSH's ssh exits 255 when the remote command died of a signal (exit-signal, no exit-status).
  assert.equal(r.code, 255, r.stderr);
  const exit = fx.events.find((e) => e.name === 'session-exit');
  assert.deepEqual((exit?.event as { result: unknown }).result, { signal: 'TERM' });
  // The hush client sees the signal's name; a signal request reaches the process group.
  const client = await fx.client();
  t.after(() => client.close());
  const res = await client.exec('kill -KILL $$');
  assert.equal(res.code, null);
  assert.equal(res.signal, 'KILL');
  const onPty = await client.exec('kill -HUP $$', { pty: true });
  assert.equal(onPty.signal, 'HUP');
  // A signal outside RFC 4254's list is named as sshd names it.
  const other = await client.exec('kill -VTALRM $$');
  assert.equal(other.signal, 'SIG@openssh.com');
  const t0 = Date.now();
  const proc = await client.spawn('sleep 30');
  await sleep(200);
  proc.kill('TERM');
  const sig = await proc.wait();
  assert.equal(sig.signal, 'TERM');
  assert.ok(Date.now() - t0 < 10_000);
  // Unknown signal names are ignored: the program goes on.
  const p2 = await client.spawn('sleep 0.5; echo alive');
  p2.kill('NOSUCHSIGNAL');
  const out: Buffer[] = [];
  p2.stdout.on('data', (b: Buffer) => out.push(b));
  const st = await p2.wait();
  assert.equal(st.code, 0);
  assert.equal(Buffer.concat(out).toString(), 'alive\n');
});

test('ssh -N stays connected with no session until killed', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const r = await fx.ssh([], { extra: ['-N'], timeoutMs: 1500 });
  assert.equal(r.timedOut, true, `ssh -N ended by itself: ${r.code} ${r.stderr}`);
  assert.ok(fx.events.some((e) => e.name === 'authenticated'));
  assert.ok(!fx.events.some((e) => e.name === 'session'));
  await waitFor(() => fx.events.some((e) => e.name === 'disconnect'), 5000, 'disconnect after the kill');
});

test('env: LANG and LC_* are accepted, anything else refused (sshd AcceptEnv)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const r = await fx.ssh(['echo "${LANG-unset}|${LC_TIME-unset}|${FOO-unset}"'], {
    configLines: ['SetEnv LANG=C.UTF-8 LC_TIME=C FOO=bar'],
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'C.UTF-8|C|unset\n');
  // A client variable cannot override what the server sets (HOME is set after the client's).
  const fx2 = await startFixture(t, { sessions: { acceptEnv: ['*'] } });
  const r2 = await fx2.ssh(['echo "$HOME|$FOO"'], { configLines: ['SetEnv HOME=/nowhere FOO=bar'] });
  assert.equal(r2.stdout, `${fx2.home}|bar\n`);
});

test('authorized_keys options: command=, no-pty, environment=, restrict', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t);
  const forced = await sshKeygen(fx.dir, 'ed25519', 'id_forced');
  const nopty = await sshKeygen(fx.dir, 'ed25519', 'id_nopty');
  const restricted = await sshKeygen(fx.dir, 'ed25519', 'id_restrict');
  const restrictPty = await sshKeygen(fx.dir, 'ed25519', 'id_restrict_pty');
  fx.authorize(`command="echo forced:$SSH_ORIGINAL_COMMAND; exit 9" ${forced.publicLine}`);
  fx.authorize(`no-pty,environment="HUSH_VAR=from key" ${nopty.publicLine}`);
  fx.authorize(`restrict ${restricted.publicLine}`);
  fx.authorize(`restrict,pty ${restrictPty.publicLine}`);

  const f = await fx.ssh(['echo', 'hello', 'world'], { identity: forced.privatePath });
  assert.equal(f.stdout, 'forced:echo hello world\n');
  assert.equal(f.code, 9);
  // A forced command also replaces a shell (no SSH_ORIGINAL_COMMAND then).
  const fs = await fx.ssh([], { identity: forced.privatePath });
  assert.equal(fs.stdout, 'forced:\n');
  const forcedEvent = fx.events.filter((e) => e.name === 'session').map((e) => e.event as { forced: boolean });
  assert.ok(forcedEvent.every((e) => e.forced));

  // ssh -t treats a refused pty as fatal (status 255); the option itself is what is tested.
  const n = await fx.ssh(['tty'], { identity: nopty.privatePath, extra: ['-tt'], configLines: ['LogLevel INFO'] });
  assert.match(n.stderr, /PTY allocation request failed/);
  assert.equal(n.code, 255);
  // environment= is ignored unless PermitUserEnvironment allows it (OpenSSH's default: no).
  const e = await fx.ssh(['echo "[$HUSH_VAR]"'], { identity: nopty.privatePath });
  assert.equal(e.stdout, '[]\n');

  const rs = await fx.ssh(['tty'], { identity: restricted.privatePath, extra: ['-tt'], configLines: ['LogLevel INFO'] });
  assert.match(rs.stderr, /PTY allocation request failed/);
  const rp = await fx.ssh(['tty'], { identity: restrictPty.privatePath, extra: ['-tt'] });
  assert.match(rp.stdout, /^\/dev\/pts\/\d+/);
});

test('PermitUserEnvironment: environment= applies when allowed, for all names or for the listed patterns only', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  for (const [permit, want] of [
    [true, 'from key|/evil.so'],
    [['HUSH_*'], 'from key|'],
  ] as const) {
    const fx = await startFixture(t, { sessions: { permitUserEnvironment: permit } });
    const k = await sshKeygen(fx.dir, 'ed25519', 'id_env');
    fx.authorize(`environment="HUSH_VAR=from key",environment="LD_PRELOAD=/evil.so" ${k.publicLine}`);
    // (LD_PRELOAD would break every program if it were applied and existed: printed, not used.)
    const r = await fx.ssh(['printf "%s|%s\\n" "$HUSH_VAR" "$(env | sed -n "s/^LD_PRELOAD=//p")"'], { identity: k.privatePath });
    assert.equal(r.stdout, `${want}\n`, `${JSON.stringify(permit)}: ${r.stderr}`);
  }
});

test('PermitTTY off refuses every pty-req', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t, { sessions: { permitTTY: false } });
  const r = await fx.ssh(['tty'], { extra: ['-tt'], configLines: ['LogLevel INFO'] });
  assert.match(r.stderr, /PTY allocation request failed/);
  assert.equal(r.code, 255);
  // A client that goes on after the refusal gets its command run without a terminal.
  const client = await fx.client();
  t.after(() => client.close());
  await assert.rejects(client.spawn('tty', { pty: true }), /refused to allocate a pseudo-terminal/);
  const ch = await client.openChannel('session');
  assert.equal(await client.channelRequest(ch.id, 'pty-req', true, encodePtyRequest({ term: 'vt100', cols: 80, rows: 24, widthPx: 0, heightPx: 0, modes: [] })), false);
  const out: Buffer[] = [];
  ch.on('data', (b: Buffer) => out.push(b));
  assert.equal(await client.channelRequest(ch.id, 'exec', true, encodeExec('tty')), true);
  await new Promise((r) => ch.once('close', r));
  assert.equal(Buffer.concat(out).toString(), 'not a tty\n');
});

test('subsystems: a configured one runs, an unknown one is refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const fx = await startFixture(t, { sessions: { subsystems: new Map([['echoer', 'echo subsystem:$SSH_ORIGINAL_COMMAND; cat']]) } });
  const r = await fx.ssh(['echoer'], { extra: ['-s'], input: 'data\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'subsystem:\ndata\n');
  const u = await fx.ssh(['nosuch'], { extra: ['-s'], configLines: ['LogLevel INFO'] });
  assert.notEqual(u.code, 0);
  assert.match(u.stderr, /subsystem request failed/);
});

/** hushd as a person runs it, with OpenSSH's ssh as the client. */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hushdFiles, startHushd } from './hushd-fixture.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { connect } from '../../src/node/client.js';
import { test } from 'node:test';
import { binaryPath } from '../harness/availability.js';
import { createSystemUser } from '../auth/system-user.js';
import { freePort, makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen } from '../harness/peers.js';


test("the newcomer's path: hushd's defaults, and OpenSSH ssh -p PORT localhost echo ok prints ok", async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const ak = join(tmp.path, 'authorized_keys');
  writeFileSync(ak, `${id.publicLine}\n`, { mode: 0o600 });
  const port = await freePort();
  // The same code path as `npm start` (built-in defaults), with the port and key file moved into the sandbox.
  const d = await startHushd(['-p', String(port), '-o', `AuthorizedKeysFile ${ak}`, '-o', 'StrictModes no', '--state-dir', join(tmp.path, 'state')]);
  try {
    assert.match(d.log(), /Generated a new ed25519 host key/);
    assert.match(d.log(), new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${port}\\.`));
    const r = await runClient(opensshClientArgs({ dir: tmp.path, port, host: 'localhost', identityFiles: [id.privatePath], command: ['echo', 'ok'] }), { timeoutMs: 20_000 });
    assert.equal(r.stdout, 'ok\n', r.stderr + d.log());
    assert.equal(r.code, 0);
    assert.match(d.log(), new RegExp(`Connect with: ssh -p ${port} localhost`));
    const code = await runClient(opensshClientArgs({ dir: tmp.path, port, host: 'localhost', identityFiles: [id.privatePath], command: ['exit', '42'] }), { timeoutMs: 20_000 });
    assert.equal(code.code, 42);
    assert.match(d.log(), /Accepted publickey for root from 127\.0\.0\.1 port \d+ ssh2: ED25519 SHA256:/);
    // ssh's goodbye, in sshd's two lines.
    assert.match(d.log(), /Received disconnect from 127\.0\.0\.1 port \d+:11: disconnected by user\n/);
    assert.match(d.log(), /Disconnected from user root 127\.0\.0\.1 port \d+\n/);
    // scp (which speaks SFTP since OpenSSH 9.0) and sftp work with the defaults: OpenSSH's
    // sftp-server is the sftp subsystem where it is installed (it is, with openssh-server).
    const sftpServer = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/libexec/sftp-server'].find((p) => existsSync(p));
    if (sftpServer === undefined) {
      if (process.env['CI']) assert.fail('CI: OpenSSH sftp-server is not installed');
      t.diagnostic('no sftp-server here: scp/sftp through the defaults not checked');
    } else {
      const ssh = opensshClientArgs({ dir: tmp.path, port, host: 'localhost', identityFiles: [id.privatePath], command: [] });
      const cfg = ssh.args[ssh.args.indexOf('-F') + 1]!;
      const payload = join(tmp.path, 'payload');
      writeFileSync(payload, randomBytes(300_000));
      const copy = join(tmp.path, 'copy');
      const scp = await runClient({ cmd: binaryPath('scp'), env: ssh.env, args: ['-F', cfg, '-P', String(port), '-i', id.privatePath, payload, `localhost:${copy}`] }, { timeoutMs: 20_000 });
      assert.equal(scp.code, 0, scp.stderr + d.log());
      assert.deepEqual(readFileSync(copy), readFileSync(payload));
      const sftp = await runClient({ cmd: binaryPath('sftp'), env: ssh.env, args: ['-F', cfg, '-P', String(port), '-i', id.privatePath, '-b', '-', 'localhost'] }, { timeoutMs: 20_000, input: `ls -l ${copy}\n` });
      assert.equal(sftp.code, 0, sftp.stderr);
      assert.match(sftp.stdout, /300000/);
    }
    // The host key survives a restart (kept in the state directory).
    assert.equal(await d.stop(), 0, 'SIGTERM shuts down cleanly');
    const again = await startHushd(['-p', String(port), '-o', `AuthorizedKeysFile ${ak}`, '-o', 'StrictModes no', '--state-dir', join(tmp.path, 'state')]);
    assert.doesNotMatch(again.log(), /Generated/);
    await again.stop();
    // LogLevel ERROR, as sshd: no INFO lines (Accepted, Disconnected) for a login.
    const quiet = await startHushd(['-p', String(port), '-o', `AuthorizedKeysFile ${ak}`, '-o', 'StrictModes no', '-o', 'LogLevel ERROR', '--state-dir', join(tmp.path, 'state')]);
    const q = await runClient(opensshClientArgs({ dir: tmp.path, port, host: 'localhost', identityFiles: [id.privatePath], command: ['echo', 'ok'] }), { timeoutMs: 20_000 });
    assert.equal(q.stdout, 'ok\n', q.stderr);
    assert.equal(await quiet.stop(), 0);
    assert.doesNotMatch(quiet.log(), /Accepted|Disconnected/);
  } finally {
    d.proc.kill('SIGKILL');
  }
});

test('hushd -f: AllowUsers, AllowGroups, DenyGroups, PermitRootLogin no and DenyUsers refuse as sshd does', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, id, ak, hk, port } = await hushdFiles(t, 'ecdsa');
  for (const [rule, allowed] of [
    ['AllowUsers root', true],
    ['AllowUsers nobody', false],
    ['DenyUsers root', false],
    // root's groups (id -Gn root) include root.
    ['AllowGroups root', true],
    ['AllowGroups nogroup-hush', false],
    ['DenyGroups ro*', false],
    ['Match Group root\n  ForceCommand echo forced-by-group', true],
    ['PermitRootLogin no', false],
    ['PermitRootLogin prohibit-password', true],
  ] as const) {
    const conf = join(tmp.path, 'sshd_config');
    writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nAuthorizedKeysFile ${ak}\nStrictModes no\n${rule}\n`);
    const d = await startHushd(['-f', conf]);
    try {
      const r = await runClient(opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], command: ['true'] }), { timeoutMs: 20_000 });
      assert.equal(r.code === 0, allowed, `${rule}: ${r.stderr}\n${d.log()}`);
      if (!allowed) assert.match(r.stderr, /Permission denied \(publickey/);
      if (rule.includes('DenyGroups')) assert.match(d.log(), /User root not allowed because a group is listed in DenyGroups/);
      if (rule.includes('ForceCommand')) assert.equal(r.stdout, 'forced-by-group\n', 'Match Group applied to the session');
    } finally {
      await d.stop();
    }
  }
});

test('refused and closed logins are logged in sshd\'s words and levels (as sshd 9.2 -e writes them)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, port, conf, write } = await hushdFiles(t);
  write('LogLevel VERBOSE');
  const wrong = await sshKeygen(tmp.path, 'ed25519', 'wrong');
  const d = await startHushd(['-f', conf]);
  try {
    for (const user of ['root', 'nosuchuser-hush']) {
      const r = await runClient(opensshClientArgs({ dir: tmp.path, port, user, identityFiles: [wrong.privatePath], command: ['true'] }), { timeoutMs: 20_000 });
      assert.notEqual(r.code, 0);
    }
    await new Promise((r) => setTimeout(r, 300));
    const log = d.log();
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', wrong.publicPath], { encoding: 'utf8' }).split(' ')[1]!;
    const addr = '127\\.0\\.0\\.1 port \\d+';
    // A valid user's refused key: VERBOSE, with the key's type and fingerprint.
    assert.ok(log.includes(`ssh2: ED25519 ${fp}`), log);
    assert.match(log, new RegExp(`Failed publickey for root from ${addr} ssh2: ED25519 SHA256:`));
    // An unknown user: "Invalid user", no Failed publickey line (sshd checks no key for it).
    assert.match(log, new RegExp(`Invalid user nosuchuser-hush from ${addr}`));
    assert.doesNotMatch(log, /Failed publickey for (invalid user )?nosuchuser-hush/);
    // The client gave up without a disconnect message: "Connection closed by ... [preauth]".
    assert.match(log, new RegExp(`Connection closed by authenticating user root ${addr} \\[preauth\\]`));
    assert.match(log, new RegExp(`Connection closed by invalid user nosuchuser-hush ${addr} \\[preauth\\]`));
  } finally {
    await d.stop();
  }
});

test('hushd errors: bad config line, unreadable host key, port in use — one line, exit 1, no stack trace', async (t) => {
  const tmp = await makeTempDir(t);
  const run = (args: string[]) => spawnSync(process.execPath, ['dist/src/cli/hushd.js', ...args], { encoding: 'utf8', timeout: 20_000 });
  const bad = join(tmp.path, 'bad.conf');
  writeFileSync(bad, 'Port 2299\nPermitRootLogin maybe\n');
  const a = run(['-t', '-f', bad]);
  assert.equal(a.status, 1);
  // sshd's own wording for a bad value.
  assert.match(a.stderr, new RegExp(`${bad.replace(/[/.]/g, '\\$&')} line 2: unsupported option "maybe"\\.`));
  const junkKey = join(tmp.path, 'junk_key');
  writeFileSync(junkKey, 'not a key\n', { mode: 0o600 });
  const b = run(['-t', '-h', junkKey, '--state-dir', join(tmp.path, 's')]);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /Unable to load host key/);
  // A host key others may read is refused as sshd refuses it (and without another, no server).
  const openKey = await sshKeygen(tmp.path, 'ed25519', 'open_key');
  chmodSync(openKey.privatePath, 0o644);
  const k = run(['-t', '-h', openKey.privatePath, '--state-dir', join(tmp.path, 's')]);
  assert.equal(k.status, 1);
  assert.match(k.stderr, /Permissions 0644 for '.*open_key' are too open\./);
  assert.match(k.stderr, /no hostkeys available -- exiting\./);
  chmodSync(openKey.privatePath, 0o600);
  assert.equal(run(['-t', '-h', openKey.privatePath, '--state-dir', join(tmp.path, 's')]).status, 0);
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as { port: number }).port;
  const c = run(['-p', String(port), '--state-dir', join(tmp.path, 's')]);
  busy.close();
  assert.equal(c.status, 1);
  assert.match(c.stderr, /Address already in use/);
  for (const r of [a, b, c]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  // -T prints the effective configuration like sshd -T.
  const good = join(tmp.path, 'good.conf');
  writeFileSync(good, 'Port 2299\nMaxAuthTries 3\nMatch User alice\n  MaxAuthTries 1\n');
  const dump = run(['-T', '-f', good, '-h', join(tmp.path, 's', 'ssh_host_ed25519_key')]);
  assert.match(dump.stdout, /^maxauthtries 3$/m);
  assert.match(dump.stdout, /^port 2299$/m);
  // -p replaces the file's Port lines (sshd: "Ports specified in the configuration file ... are ignored").
  const withP = run(['-T', '-p', '2300', '-p', '2301', '-f', good, '-h', join(tmp.path, 's', 'ssh_host_ed25519_key')]);
  assert.deepEqual(withP.stdout.split('\n').filter((l) => l.startsWith('port ')), ['port 2300', 'port 2301']);
  const alice = run(['-T', '-f', good, '-C', 'user=alice,addr=127.0.0.1', '-h', join(tmp.path, 's', 'ssh_host_ed25519_key')]);
  assert.match(alice.stdout, /^maxauthtries 1$/m);
});

test('SIGHUP reloads the configuration: new connections get it, a running session carries on, a broken file is refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, id, port, conf, write } = await hushdFiles(t);
  write('AllowUsers root');
  const d = await startHushd(['-f', conf]);
  try {
    const ssh = (cmd: string[]) => runClient(opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], command: cmd }), { timeoutMs: 20_000 });
    const running = ssh(['sleep', '1.5;', 'echo', 'still-here']);
    await new Promise((r) => setTimeout(r, 600));
    write('AllowUsers nobody');
    d.proc.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    assert.match(d.log(), /configuration reloaded/);
    const refused = await ssh(['true']);
    assert.match(refused.stderr, /Permission denied/);
    const r = await running;
    assert.equal(r.stdout, 'still-here\n', 'the session that was running carried on');
    writeFileSync(conf, 'Port banana\n');
    d.proc.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
    assert.match(d.log(), /reload failed, keeping the running configuration/);
    assert.equal(d.proc.exitCode, null, 'still running');
  } finally {
    await d.stop();
  }
});

test('password and keyboard-interactive logins for system accounts (pam_unix\'s unix_chkpwd); wrong passwords and unknown users refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const tmp = await makeTempDir(t);
  const hk = await sshKeygen(tmp.path, 'ed25519', 'host_key');
  const port = await freePort();
  const conf = join(tmp.path, 'sshd_config');
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\n`);
  const d = await startHushd(['-f', conf]);
  try {
    const login = async (name: string, password: string, method: string) => {
      const askpass = join(tmp.path, `askpass-${method}.sh`);
      writeFileSync(askpass, `#!/bin/sh\necho '${password}'\n`, { mode: 0o700 });
      const c = opensshClientArgs({ dir: tmp.path, port, user: name, command: ['id', '-un'], configLines: ['BatchMode no', `PreferredAuthentications ${method}`, 'NumberOfPasswordPrompts 1', 'PubkeyAuthentication no', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication yes'] });
      return runClient(c.cmd, c.args, { timeoutMs: 30_000, env: { ...c.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' } });
    };
    for (const method of ['password', 'keyboard-interactive']) {
      const ok = await login(user.name, user.password, method);
      assert.equal(ok.stdout, `${user.name}\n`, `${method}: ${ok.stderr}\n${d.log()}`);
      const wrong = await login(user.name, 'not-the-password', method);
      assert.match(wrong.stderr, /Permission denied/, method);
    }
    const ghost = await login('no-such-user-hush', 'whatever', 'password');
    assert.match(ghost.stderr, /Permission denied/);
    assert.match(d.log(), new RegExp(`Accepted password for ${user.name} from 127\\.0\\.0\\.1`));
    assert.match(d.log(), /Invalid user no-such-user-hush/);
  } finally {
    await d.stop();
    await user.remove();
  }
});

test('hushd driven by OpenSSH ssh -t in tmux: an interactive shell, vi and top draw and exit', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmux = spawnSync('tmux', ['-V']);
  if (tmux.status !== 0) {
    if (process.env.CI) throw new Error('tmux is missing (Debian package tmux)');
    t.skip('tmux is not installed');
    return;
  }
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const ak = join(tmp.path, 'authorized_keys');
  writeFileSync(ak, `${id.publicLine}\n`, { mode: 0o600 });
  const port = await freePort();
  const d = await startHushd(['-p', String(port), '-o', `AuthorizedKeysFile ${ak}`, '-o', 'StrictModes no', '--state-dir', join(tmp.path, 'state')]);
  const session = `hushd-${process.pid}-${port}`;
  const sock = join(tmp.path, 'tmux.sock');
  const tm = (...args: string[]) => execFileSync('tmux', ['-S', sock, ...args], { encoding: 'utf8' });
  const screen = () => tm('capture-pane', '-p', '-t', session);
  const until = async (re: RegExp, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (re.test(screen())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${what}: ${re} not on screen:\n${screen()}\n${d.log()}`);
  };
  const prompts = () => (screen().match(/^hushd-shell\$/gm) ?? []).length;
  /** Waits for one more prompt line than there were: the program before it has exited. */
  const nextPrompt = async (before: number, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (prompts() > before) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${what}: no new prompt:\n${screen()}`);
  };
  try {
    const ssh = `ssh -t -p ${port} -i ${id.privatePath} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes root@127.0.0.1`;
    tm('new-session', '-d', '-s', session, '-x', '100', '-y', '30', `env TERM=xterm ${ssh}`);
    tm('send-keys', '-t', session, 'export PS1="hushd-shell$ "', 'Enter');
    await until(/hushd-shell\$ /, 'shell prompt');
    tm('send-keys', '-t', session, 'stty size', 'Enter');
    await until(/^30 100$/m, 'stty size');
    // vi draws its screen (tildes on empty lines), takes text, and quits.
    let before = prompts();
    tm('send-keys', '-t', session, `vi ${join(tmp.path, 'note.txt')}`, 'Enter');
    await until(/^~\s*$/m, 'vi screen');
    tm('send-keys', '-t', session, 'ihello from vi', 'Escape', ':wq', 'Enter');
    await nextPrompt(before, 'vi exit');
    // Only the shell evaluates $((40+2)): the marker shows once vi has really exited.
    tm('send-keys', '-t', session, 'echo vi-$((40+2))', 'Enter');
    await until(/^vi-42$/m, 'back from vi');
    assert.equal(readFileSync(join(tmp.path, 'note.txt'), 'utf8'), 'hello from vi\n');
    // top draws its header and quits on q.
    tm('send-keys', '-t', session, 'top', 'Enter');
    await until(/load average/, 'top screen');
    tm('send-keys', '-t', session, 'q');
    // top's frame scrolls earlier prompts away: wait for the last line on screen to be a prompt.
    for (let i = 0; i < 100 && !/^hushd-shell\$\s*$/.test(screen().trimEnd().split('\n').pop() ?? ''); i++) await new Promise((r) => setTimeout(r, 100));
    tm('send-keys', '-t', session, 'echo top-$((40+2))', 'Enter');
    await until(/^top-42$/m, 'back from top');
    tm('send-keys', '-t', session, 'exit', 'Enter');
    await until(/Connection to 127\.0\.0\.1 closed|\[exited\]|^$/m, 'logout');
  } finally {
    spawnSync('tmux', ['-S', sock, 'kill-server']);
    await d.stop();
  }
});

test('without -e hushd logs to syslog (AUTH facility, tag hushd[pid]), as sshd does', async (t) => {
  const py = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
  if (py.status !== 0) {
    if (process.env.CI) throw new Error('python3 is needed to listen on a Unix datagram socket');
    t.skip('python3 missing');
    return;
  }
  const tmp = await makeTempDir(t);
  const sock = join(tmp.path, 'log.sock');
  // A syslog stand-in: a Unix datagram socket that prints what it receives (Node has no AF_UNIX datagrams).
  const listener = spawn('python3', ['-u', '-c', `import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(${JSON.stringify(sock)})\nprint("ready",flush=True)\nwhile True:\n  print(s.recv(8192).decode(errors="replace"),flush=True)`]);
  let got = '';
  listener.stdout.on('data', (b: Buffer) => (got += b.toString()));
  for (let i = 0; i < 50 && !got.includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
  const port = await freePort();
  const proc = spawn(process.execPath, ['dist/src/cli/hushd.js', '-p', String(port), '--state-dir', join(tmp.path, 's'), '--syslog-socket', sock], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    for (let i = 0; i < 100 && !/Server listening/.test(got); i++) await new Promise((r) => setTimeout(r, 100));
    // RFC 3164 framing from logger: <PRI> with facility auth (4) and severity info (6) = 38.
    assert.match(got, new RegExp(`<38>.*hushd\\[${proc.pid}\\]: Server listening on 127\\.0\\.0\\.1 port ${port}\\.`));
    assert.doesNotMatch(stderr, /Server listening/, 'runtime logs go to syslog, not stderr');
  } finally {
    proc.kill('SIGTERM');
    listener.kill();
  }
});

test('Match blocks apply session settings per connection (ForceCommand, SetEnv)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, id, port, conf, write } = await hushdFiles(t);
  const run = async (match: string) => {
    write(`SetEnv GREETING=global\n${match}`);
    const d = await startHushd(['-f', conf]);
    try {
      return await runClient(opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], command: ['echo', '$GREETING'] }), { timeoutMs: 20_000 });
    } finally {
      await d.stop();
    }
  };
  assert.equal((await run('Match User root\n  ForceCommand echo forced-for-root')).stdout, 'forced-for-root\n');
  assert.equal((await run('Match Address 10.0.0.0/8\n  ForceCommand echo not-us')).stdout, 'global\n');
  assert.equal((await run('Match User root\n  SetEnv GREETING=matched')).stdout, 'matched\n');
});

test('a user name chosen to forge log lines or send escape sequences is logged encoded, as sshd logs it', async (t) => {
  const { port, conf, write } = await hushdFiles(t);
  write('LogLevel VERBOSE');
  const d = await startHushd(['-f', conf]);
  try {
    const stranger = PrivateKey.generate('ed25519');
    const names = ['evil\nAccepted publickey for root from 10.0.0.1 port 1 ssh2', 'esc\x1b[2Jcleared', 'y'.repeat(3000)];
    for (const username of names) {
      await assert.rejects(connect({ host: '127.0.0.1', port, username, privateKey: stranger, hostKey: () => true }));
    }
    await d.until(/Disconnected from invalid user y{100} 127\.0\.0\.1/);
    const log = d.log();
    assert.ok(!log.includes('\x1b'), 'no raw escape character in the log');
    assert.doesNotMatch(log, /^Accepted publickey for root/m, 'no forged line');
    assert.ok(log.includes('Invalid user evil\\nAccepted publickey for root from 10.0.0.1 port 1 ssh2 from 127.0.0.1'), log);
    assert.ok(log.includes('Invalid user esc\\033[2Jcleared from 127.0.0.1'), log);
    assert.ok(!log.includes('y'.repeat(101)), 'user names are cut to 100 characters');
  } finally {
    await d.stop();
  }
});

test('StrictModes (the default): an authorized_keys file under a directory anyone may write is refused, as sshd refuses it', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const { tmp, id, ak, hk, port, conf } = await hushdFiles(t);
  // The fixture's writer says StrictModes no; this file leaves it at the default.
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nAuthorizedKeysFile ${ak}\n`);
  const d = await startHushd(['-f', conf]);
  try {
    const r = await runClient(opensshClientArgs({ dir: tmp.path, port, user: 'root', identityFiles: [id.privatePath], command: ['true'] }), { timeoutMs: 20_000 });
    assert.notEqual(r.code, 0, 'the key was accepted from a file under /tmp');
    await d.until(/Authentication refused: bad ownership or modes for directory \/tmp\n/);
  } finally {
    await d.stop();
  }
});

test('an expired system account cannot log in with a key either (pam_unix account check, as sshd on Debian)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const user = await createSystemUser(t);
  if (!user) return;
  const { tmp, id, hk, port, conf } = await hushdFiles(t);
  const keys = join(tmp.path, 'keys');
  mkdirSync(keys);
  writeFileSync(join(keys, user.name), `${id.publicLine}\n`);
  writeFileSync(conf, `ListenAddress 127.0.0.1\nPort ${port}\nHostKey ${hk.privatePath}\nAuthorizedKeysFile ${keys}/%u\nStrictModes no\n`);
  const d = await startHushd(['-f', conf]);
  try {
    const login = () => runClient(opensshClientArgs({ dir: tmp.path, port, user: user.name, identityFiles: [id.privatePath], command: ['echo', 'in'] }), { timeoutMs: 20_000 });
    const before = await login();
    assert.equal(before.stdout, 'in\n', before.stderr);
    const exp = await runClient(binaryPath('usermod'), ['--expiredate', '1', user.name]);
    assert.equal(exp.code, 0, exp.stderr);
    const after = await login();
    assert.notEqual(after.code, 0, 'the expired account logged in');
    await d.until(new RegExp(`Account ${user.name} has expired`));
  } finally {
    await d.stop();
  }
});

test('internal-sftp, as sshd names its built-in SFTP server, in Subsystem and in a ForceCommand, runs OpenSSH sftp-server', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  if (!requirePeer('openssh-server', t)) return; // (its sftp-server)
  const { tmp, id, port, write } = await hushdFiles(t);
  const file = join(tmp.path, 'shared.txt');
  writeFileSync(file, 'x'.repeat(12345));
  for (const extra of ['Subsystem sftp internal-sftp -u 022', 'Subsystem sftp internal-sftp\nMatch User root\n  ForceCommand internal-sftp']) {
    write(extra);
    const d = await startHushd(['-f', join(tmp.path, 'sshd_config')]);
    try {
      const ssh = opensshClientArgs({ dir: tmp.path, port, identityFiles: [id.privatePath], command: [] });
      const cfg = ssh.args[ssh.args.indexOf('-F') + 1]!;
      const sftp = await runClient(
        { cmd: binaryPath('sftp'), env: ssh.env, args: ['-F', cfg, '-P', String(port), '-i', id.privatePath, '-b', '-', 'root@127.0.0.1'] },
        { timeoutMs: 20_000, input: `ls -l ${file}\n` },
      );
      assert.equal(sftp.code, 0, `${extra}: ${sftp.stderr}\n${d.log()}`);
      assert.match(sftp.stdout, /12345/);
    } finally {
      await d.stop();
    }
  }
});

test("a connection past MaxStartups is logged in sshd's words (drop connection #N from [ADDR]:PORT on [ADDR]:PORT past MaxStartups)", async (t) => {
  const { port, conf, write } = await hushdFiles(t);
  write('MaxStartups 1');
  const d = await startHushd(['-f', conf]);
  const socks: Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const s = netConnect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      socks.push(s);
      await once(s, 'connect');
    }
    await d.until(/drop connection #1 from \[127\.0\.0\.1\]:\d+ on \[127\.0\.0\.1\]:\d+ past MaxStartups\n/);
  } finally {
    for (const s of socks) s.destroy();
    await d.stop();
  }
});

/**
 * hush (the ssh-like client) against a real OpenSSH sshd, non-interactively: commands and exit
 * codes, stdin streaming, `-G` next to `ssh -G`, known_hosts handling next to ssh, `-v` lines,
 * one-line errors, ProxyJump / ProxyCommand, -E, -q, -N, ssh-agent keys.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { binaryPath } from '../harness/availability.js';
import { freePort, makeTempDir, requireBinaries, runClient, sshKeygen } from '../harness/peers.js';
import { sleep, spawnTracked, terminate } from '../harness/processes.js';
import { HUSH, hushFixture, stderrLines, targetLines } from './hush-fixture.js';

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at |Error:|node:internal/, `no stack trace or raw error in:\n${s}`);

test('hush -F cfg target cmd: output, and exit codes pass through (0, 3, 255, killed by a signal -> 255)', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const ok = await f.hush(['-F', f.config, 'target', 'echo', 'ok']);
  assert.equal(ok.stdout, 'ok\n', ok.stderr);
  assert.equal(ok.code, 0);
  for (const code of [0, 3, 255]) {
    const r = await f.hush(['-F', f.config, 'target', `echo out; echo err >&2; exit ${code}`]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
  }
  const killed = await f.hush(['-F', f.config, 'target', 'kill -9 $$']);
  assert.equal(killed.code, 255, killed.stderr);
  // user@host and ssh:// destinations, -p and -l, options after the destination.
  const uri = await f.hush(['-F', f.config, `ssh://root@target:${f.sshd.port}`, 'echo', 'uri']);
  assert.equal(uri.stdout, 'uri\n', uri.stderr);
  const after = await f.hush(['-F', f.config, 'root@target', '-p', String(f.sshd.port), 'echo', 'after']);
  assert.equal(after.stdout, 'after\n', after.stderr);
});

test('stdin is streamed to the command and its EOF passed on; -n reads /dev/null', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const text = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n') + '\n';
  const cat = await f.hush(['-F', f.config, 'target', 'cat'], { input: text });
  assert.equal(cat.code, 0, cat.stderr);
  assert.equal(cat.stdout, text);
  const wc = await f.hush(['-F', f.config, 'target', 'wc -c; echo done'], { input: 'hello\n' });
  assert.equal(wc.stdout.trim().split('\n').map((s) => s.trim()).join(' '), '6 done');
  const n = await f.hush(['-n', '-F', f.config, 'target', 'cat; echo end'], { input: 'not read\n' });
  assert.equal(n.stdout, 'end\n', n.stderr);
});

test('all of a large output reaches a slow reader of a pipe, with the exit status (no data lost at exit)', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  // The reader starts late and reads slowly; node's writes to a pipe are asynchronous, so
  // whatever is still queued when hush exits must be written first. 24 MB is far more than a
  // pipe and the stream buffers hold.
  const bytes = 24_000_000;
  const hush = [process.execPath, HUSH, '-F', f.config, 'target', `head -c ${bytes} /dev/zero; exit 7`].map((a) => `'${a}'`).join(' ');
  const r = await runClient('/bin/sh', ['-c', `${hush} | (sleep 1; dd bs=4096 2>/dev/null | wc -c); echo "status $?"`], {
    env: { HOME: f.home, SSH_AUTH_SOCK: '' },
    timeoutMs: 60_000,
  });
  assert.equal(r.stdout.trim().split('\n')[0]!.trim(), String(bytes), r.stderr);
  // And the exit status comes through on its own (no pipe): 7.
  const code = await f.hush(['-F', f.config, 'target', `head -c ${bytes} /dev/zero; exit 7`]);
  assert.equal(code.code, 7, code.stderr);
  assert.equal(code.stdout.length, bytes);
});

test('hush -G prints what ssh -G prints for the same -F config and flags', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  const cfg = f.writeConfig('gconfig', [
    'Host target other',
    '  HostName 127.0.0.1',
    '  Port 2022',
    '  User deploy',
    `  IdentityFile ${f.dir}/id_%r`,
    '  IdentityFile ~/.ssh/id_other',
    `  UserKnownHostsFile ${f.dir}/kh_%h`,
    '  StrictHostKeyChecking accept-new',
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 4',
    '  SendEnv LANG LC_*',
    '  SetEnv FOO=bar',
    '  EscapeChar ^',
    '  Ciphers aes128-ctr,chacha20-poly1305@openssh.com',
    '  MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512',
    '  KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256',
    '  HostKeyAlgorithms ssh-ed25519,rsa-sha2-256',
    'Host *',
    '  ConnectTimeout 7',
    '  PreferredAuthentications publickey,password',
    '  HashKnownHosts yes',
  ]);
  const cases = [
    ['target'],
    ['-p', '2200', '-l', 'alice', 'target'],
    ['-v', '-t', '-4', '-C', '-o', 'BatchMode=yes', '-i', f.key.privatePath, '-i', join(f.dir, 'not_there'), 'target'],
    ['-J', 'jumper:2222', 'other'],
    ['-T', 'nomatch.example'],
  ];
  for (const args of cases) {
    const mine = await f.hush(['-G', '-F', cfg, ...args]);
    assert.equal(mine.code, 0, mine.stderr);
    const theirs = await f.ssh(['-G', '-F', cfg, ...args]);
    assert.equal(theirs.code, 0, theirs.stderr);
    const keywords = new Set(mine.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!));
    const keep = (s: string) => s.split('\n').filter((l) => l !== '' && keywords.has(l.split(' ')[0]!));
    assert.ok(keywords.size >= 30, 'compares every keyword hush prints');
    // hush's own algorithm defaults differ from this ssh build's; with explicit lists they agree.
    const dropDefaults = (l: string[]) => (args.includes('nomatch.example') ? l.filter((x) => !/^(ciphers|macs|kexalgorithms|hostkeyalgorithms) /.test(x)) : l);
    assert.deepEqual(dropDefaults(keep(mine.stdout)), dropDefaults(keep(theirs.stdout)), `hush -G ${args.join(' ')}`);
  }
});

test('unknown host with StrictHostKeyChecking=yes: "Host key verification failed.", exit 255', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  const r = await f.hush(['-F', f.config, '-o', 'StrictHostKeyChecking=yes', 'target', 'echo', 'ok']);
  assert.equal(r.code, 255);
  assert.equal(r.stdout, '');
  assert.deepEqual(stderrLines(r), [
    `No ED25519 host key is known for [127.0.0.1]:${f.sshd.port} and you have requested strict checking.`,
    'Host key verification failed.',
  ]);
  // BatchMode with the default (ask): no question, the same failure.
  const ask = await f.hush(['-F', f.config, 'target', 'echo', 'ok']);
  assert.equal(ask.code, 255);
  assert.deepEqual(stderrLines(ask), ['Host key verification failed.']);
});

test('accept-new records the key (plain and hashed), and OpenSSH ssh accepts the line hush wrote', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  for (const hash of ['no', 'yes']) {
    rmSync(f.knownHosts, { force: true });
    const r = await f.hush(['-F', f.config, '-o', 'StrictHostKeyChecking=accept-new', '-o', `HashKnownHosts=${hash}`, 'target', 'echo', 'ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok\n');
    assert.match(r.stderr, new RegExp(`^Warning: Permanently added '\\[127\\.0\\.0\\.1\\]:${f.sshd.port}' \\(ED25519\\) to the list of known hosts\\.$`, 'm'));
    const lines: string[] = readFileSync(f.knownHosts, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    if (hash === 'yes') assert.match(lines[0]!, /^\|1\|/);
    else assert.equal(lines[0], `[127.0.0.1]:${f.sshd.port} ${f.sshd.hostKeys[0]!.publicLine.split(' ').slice(0, 2).join(' ')}`);
    const ssh = await f.ssh(['-F', f.config, '-o', 'StrictHostKeyChecking=yes', 'target', 'echo', 'ssh-ok']);
    assert.equal(ssh.stdout, 'ssh-ok\n', ssh.stderr);
    // Known now: the second connection says nothing.
    const again = await f.hush(['-F', f.config, '-o', 'StrictHostKeyChecking=yes', 'target', 'echo', 'again']);
    assert.equal(again.stdout, 'again\n', again.stderr);
    assert.doesNotMatch(again.stderr, /Warning/);
  }
  // And the other way round: a file ssh wrote is one hush reads.
  rmSync(f.knownHosts, { force: true });
  const ssh = await f.ssh(['-F', f.config, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'HashKnownHosts=yes', 'target', 'true']);
  assert.equal(ssh.code, 0, ssh.stderr);
  const mine = await f.hush(['-F', f.config, '-o', 'StrictHostKeyChecking=yes', 'target', 'echo', 'ok']);
  assert.equal(mine.stdout, 'ok\n', mine.stderr);
  // -q: no warning.
  rmSync(f.knownHosts, { force: true });
  const quiet = await f.hush(['-q', '-F', f.config, '-o', 'StrictHostKeyChecking=accept-new', 'target', 'echo', 'ok']);
  assert.equal(quiet.stdout, 'ok\n');
  assert.equal(quiet.stderr.replace(/^debug1: .*\n/gm, ''), '');
});

test('a changed host key: the REMOTE HOST IDENTIFICATION HAS CHANGED block naming file:line, exit 255', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  const other = await sshKeygen(f.dir, 'ed25519', 'not_the_host_key');
  writeFileSync(f.knownHosts, `# a comment\n[127.0.0.1]:${f.sshd.port} ${other.publicLine.split(' ').slice(0, 2).join(' ')}\n`);
  for (const mode of ['yes', 'ask', 'accept-new', 'no']) {
    const r = await f.hush(['-F', f.config, '-o', `StrictHostKeyChecking=${mode}`, 'target', 'echo', 'ok']);
    assert.equal(r.code, 255, mode);
    assert.equal(r.stdout, '');
    const err = r.stderr;
    assert.match(err, /^@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@ {4}WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! {5}@\n/);
    assert.ok(err.includes(`The fingerprint for the ED25519 key sent by the remote host is\n${f.sshd.hostKeys[0]!.fingerprint}.\n`), err);
    assert.ok(err.includes(`Offending ED25519 key in ${f.knownHosts}:2\n`), err);
    assert.ok(err.endsWith('Host key verification failed.\n'), err);
    noStack(err);
  }
  // The file was not touched.
  assert.equal(readFileSync(f.knownHosts, 'utf8').split('\n').length, 3);
});

test('-v shows the connection, versions, kex, host key and authentication lines', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const r = await f.hush(['-v', '-F', f.config, 'target', 'echo', 'ok']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  const p = f.sshd.port;
  for (const re of [
    new RegExp(`^debug1: Connecting to 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\] port ${p}\\.$`),
    /^debug1: Connection established\.$/,
    /^debug1: Remote protocol version 2\.0, remote software version OpenSSH_\S+/,
    /^debug1: kex: algorithm: \S+$/,
    /^debug1: kex: host key algorithm: ssh-ed25519$/,
    /^debug1: kex: server->client cipher: \S+ MAC: \S+ compression: none$/,
    /^debug1: kex: client->server cipher: \S+ MAC: \S+ compression: none$/,
    new RegExp(`^debug1: Server host key: ssh-ed25519 ${f.sshd.hostKeys[0]!.fingerprint.replace(/[+/]/g, '\\$&')}$`),
    new RegExp(`^debug1: Host '\\[127\\.0\\.0\\.1\\]:${p}' is known and matches the ED25519 host key\\.$`),
    new RegExp(`^debug1: Offering public key: ${f.key.privatePath} ED25519 SHA256:\\S+ explicit$`),
    new RegExp(`^Authenticated to 127\\.0\\.0\\.1 \\(\\[127\\.0\\.0\\.1\\]:${p}\\) using "publickey"\\.$`),
    /^debug1: Sending command: echo ok$/,
    /^debug1: Exit status 0$/,
  ]) {
    assert.ok(stderrLines(r).some((l) => re.test(l)), `${re} in:\n${r.stderr}`);
  }
  // -E: the same lines go to the file, not to stderr.
  const log = join(f.dir, 'hush.log');
  const e = await f.hush(['-v', '-E', log, '-F', f.config, 'target', 'echo', 'ok']);
  assert.equal(e.stdout, 'ok\n', e.stderr);
  assert.doesNotMatch(e.stderr, /debug1: kex:/);
  assert.match(readFileSync(log, 'utf8'), /^debug1: kex: algorithm: /m);
});

test('failures before a session: one line on stderr, exit 255, no stack trace', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const check = async (args: string[], line: RegExp) => {
    const r = await f.hush(args);
    assert.equal(r.code, 255, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = stderrLines(r);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, line);
    noStack(r.stderr);
  };
  const bad = f.writeConfig('bad', ['Host target', '  HostName 127.0.0.1', '  Frobnicate yes']);
  await check(['-F', bad, 'target', 'true'], new RegExp(`^${bad} line 3: Bad configuration option: frobnicate$`));
  await check(['-F', f.config, 'nosuch-host.invalid', 'true'], /^hush: Could not resolve hostname nosuch-host\.invalid: /);
  const closed = await freePort();
  await check(['-F', f.config, '-p', String(closed), 'target', 'true'], new RegExp(`^hush: connect to host 127\\.0\\.0\\.1 port ${closed}: Connection refused$`));
  const stranger = await sshKeygen(f.dir, 'ed25519', 'id_stranger');
  await check(['-F', f.config, '-i', stranger.privatePath, '-o', `IdentityFile=${stranger.privatePath}`, '-l', 'nobody', 'target', 'true'], /^nobody@127\.0\.0\.1: Permission denied \(publickey\)\.$/);
  await check(['-F', join(f.dir, 'missing-config'), 'target', 'true'], /Can't open user config file/);
  const usage = await f.hush(['-F', f.config, '-Z', 'target']);
  assert.equal(usage.code, 255);
  assert.match(usage.stderr, /unknown option -- Z\nusage: hush /);
  const fwd = await f.hush(['-L', '8080:localhost:80', 'target']);
  assert.equal(fwd.code, 255);
  assert.match(fwd.stderr, /local port forwarding \(-L\) is not supported yet/);
});

test('ProxyJump (-J and the keyword) and ProxyCommand carry the connection', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const j = await f.hush(['-F', f.config, '-J', 'target', 'target', 'echo via-jump; exit 4']);
  assert.equal(j.stdout, 'via-jump\n', j.stderr);
  assert.equal(j.code, 4);
  const two = await f.hush(['-v', '-F', f.config, '-J', 'target,target', 'target', 'echo', 'two hops']);
  assert.equal(two.stdout, 'two hops\n', two.stderr);
  assert.equal(two.stderr.match(/^Authenticated to /gm)?.length, 3, two.stderr);
  assert.match(two.stderr, /^Authenticated to 127\.0\.0\.1 \(via proxy\) using "publickey"\.$/m);
  const nc = join(f.dir, 'nc.mjs');
  writeFileSync(
    nc,
    "import { connect } from 'node:net';\n" +
      'const s = connect({ host: process.argv[2], port: Number(process.argv[3]) });\n' +
      "process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0));\n",
  );
  const cfg = f.writeConfig('proxycmd', targetLines({ port: f.sshd.port, keyPath: f.key.privatePath, knownHosts: f.knownHosts }, [`ProxyCommand ${process.execPath} ${nc} %h %p`]));
  const pc = await f.hush(['-F', cfg, 'target', 'echo', 'via-command']);
  assert.equal(pc.stdout, 'via-command\n', pc.stderr);
  assert.equal(pc.code, 0);
  // A jump host that refuses the forwarding: one line, 255.
  const refused = await f.hush(['-F', f.config, '-J', 'target', '-p', String(await freePort()), 'target', 'true']);
  assert.equal(refused.code, 255);
  assert.equal(stderrLines(refused).length, 1, refused.stderr);
  assert.match(refused.stderr, /open failed/);
});

test('-N stays up without a session until signalled (exit 255)', async (t) => {
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const child = spawnTracked(process.execPath, [HUSH, '-N', '-F', f.config, 'target'], { HOME: f.home });
  t.after(() => terminate(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await f.sshd.waitForLog(/Accepted publickey for root/, 15_000);
  await sleep(500);
  assert.equal(child.exitCode, null, `still running: ${stderr}`);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 255);
});

test('keys from ssh-agent (IdentityAgent) are offered first; SendEnv and SetEnv reach the session', async (t) => {
  const f = await hushFixture(t, { sshdConfig: ['AcceptEnv HUSH_* LANG'] });
  if (!f) return;
  if (!requireBinaries('ssh-agent', ['ssh-agent', 'ssh-add'].map((binary) => ({ binary, debPackage: 'openssh-client' })), t)) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const sock = join(f.dir, 'agent.sock');
  const agent = spawnTracked(binaryPath('ssh-agent'), ['-D', '-a', sock]);
  t.after(() => terminate(agent));
  for (let i = 0; (await runClient(binaryPath('ssh-add'), ['-l'], { env: { SSH_AUTH_SOCK: sock }, timeoutMs: 5000 })).code !== 1; i++) {
    assert.ok(i < 100, 'ssh-agent did not start');
    await sleep(50);
  }
  const held = await sshKeygen(f.dir, 'ed25519', 'id_agent');
  const r0 = await runClient(binaryPath('ssh-add'), ['-q', held.privatePath], { env: { SSH_AUTH_SOCK: sock } });
  assert.equal(r0.code, 0, r0.stderr);
  rmSync(held.privatePath);
  writeFileSync(f.sshd.authorizedKeysPath, `${held.publicLine}\n`);
  const cfg = f.writeConfig('agentcfg', [
    ...targetLines({ port: f.sshd.port, keyPath: join(f.dir, 'no_such_key'), knownHosts: f.knownHosts }).filter((l) => !/Identit/.test(l)),
    `  IdentityAgent ${sock}`,
    '  SendEnv HUSH_*',
    '  SetEnv HUSH_SET=from-config',
  ]);
  const r = await f.hush(['-v', '-F', cfg, 'target', 'echo "$HUSH_SENT/$HUSH_SET/$HUSH_NOT"'], { env: { HUSH_SENT: 'sent', NOT_HUSH: 'x' } });
  assert.equal(r.stdout, 'sent/from-config/\n', r.stderr);
  assert.match(r.stderr, /^debug1: Offering public key: \S+ ED25519 SHA256:\S+ agent$/m);
});

test("a server's banner cannot send escape sequences to the user's terminal: they are shown escaped, as ssh shows them", async (t) => {
  const banners = await makeTempDir(t);
  const banner = join(banners.path, 'banner');
  writeFileSync(banner, 'Welcome\x1b]0;pwned\x07 to \x1b[31mred\x1b[0m\r\nsecond line\n');
  const f = await hushFixture(t, { sshdConfig: [`Banner ${banner}`] });
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const r = await f.hush(['-F', f.config, 'target', 'echo', 'ok']);
  assert.equal(r.stdout, 'ok\n', r.stderr);
  assert.ok(!r.stderr.includes('\x1b') && !r.stderr.includes('\x07'), `no raw ESC or BEL on stderr: ${JSON.stringify(r.stderr)}`);
  assert.ok(r.stderr.includes('Welcome\\033]0;pwned\\007 to \\033[31mred\\033[0m'), JSON.stringify(r.stderr));
  assert.match(r.stderr, /^second line$/m, 'ordinary lines still print as they are');
});

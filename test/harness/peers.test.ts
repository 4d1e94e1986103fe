// Proves the interop harness against the real programs, with no hush code involved.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  canIsolateHome,
  dbclientArgs,
  freePort,
  isListening,
  isProcessAlive,
  liveProcessCount,
  makeTempDir,
  opensshClientArgs,
  plinkArgs,
  requireBinaries,
  requirePeer,
  runClient,
  sshKeygen,
  startDropbear,
  startSshd,
  toDropbearKey,
  toPuttyKey,
  type Peer,
} from './peers.js';

async function assertStopped(peer: Peer): Promise<void> {
  await peer.stop();
  assert.equal(isProcessAlive(peer.pid), false, `pid ${peer.pid} still alive after stop()`);
  assert.equal(await isListening(peer.port), false, `port ${peer.port} still accepts connections after stop()`);
  await peer.stop(); // idempotent
}

function need(t: TestContext, ...peers: Parameters<typeof requirePeer>[0][]): boolean {
  return peers.every((p) => requirePeer(p, t));
}

test('freePort returns a loopback port that can be bound', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => srv.close(() => resolve()));
});

test('requireBinaries: throws under CI, skips and returns false otherwise', () => {
  const missing = [{ binary: 'hush-no-such-binary-xyz', debPackage: 'hush-fake-package' }];
  const saved = process.env.CI;
  try {
    process.env.CI = 'true';
    assert.throws(() => requireBinaries('fake-peer', missing), /hush-no-such-binary-xyz.*hush-fake-package/);
    delete process.env.CI;
    // Outside CI the test context is told to skip (a recording stand-in, so the suite itself skips nothing).
    const skipped: string[] = [];
    const recorder = { skip: (reason?: string) => void skipped.push(reason ?? '') } as unknown as TestContext;
    assert.equal(requireBinaries('fake-peer', missing, recorder), false);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, /hush-no-such-binary-xyz/);
    assert.equal(requireBinaries('fake-peer', missing), false);
    assert.equal(requireBinaries('sh', [{ binary: 'sh', debPackage: 'dash' }]), true);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});

test('runClient collects stdout, stderr and exit code, and feeds stdin', async () => {
  const r = await runClient('sh', ['-c', 'cat; echo oops >&2; exit 3'], { input: 'abc', timeoutMs: 5000 });
  assert.equal(r.stdout, 'abc');
  assert.equal(r.stderr, 'oops\n');
  assert.equal(r.code, 3);
  assert.equal(r.signal, null);
  assert.equal(r.timedOut, false);
});

test('runClient kills the whole process tree on timeout and still resolves', async () => {
  // The grandchild is in the same process group; it must die with its parent.
  const r = await runClient('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 500 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
  const grandchild = Number(r.stdout.trim());
  assert.ok(grandchild > 0, `no pid printed: ${r.stdout}`);
  assert.equal(isProcessAlive(grandchild), false, 'grandchild sleep survived');
});

test('runClient resolves (with error) for a program that does not exist', async () => {
  const r = await runClient('/nonexistent/hush-client', [], { timeoutMs: 2000 });
  assert.ok(r.error, 'expected error');
  assert.equal(r.code, null);
});

test('sshd + ssh: public-key login runs a command; host keys are pinned; stop() reaps', async (t) => {
  if (!need(t, 'openssh-server', 'openssh-client')) return;
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const other = await sshKeygen(tmp.path, 'ed25519', 'other');
  const sshd = await startSshd({ t, authorizedKeys: [client.publicLine] });
  assert.match(sshd.banner, /^SSH-2\.0-OpenSSH_/);
  assert.deepEqual(
    sshd.hostKeys.map((k) => k.type),
    ['ed25519', 'ecdsa', 'rsa'],
  );
  // Our fingerprint computation agrees with ssh-keygen -l.
  for (const k of sshd.hostKeys) {
    const l = await runClient('ssh-keygen', ['-l', '-f', k.publicPath], { timeoutMs: 5000 });
    assert.ok(l.stdout.includes(k.fingerprint), `${k.fingerprint} not in ${l.stdout}`);
  }

  const ok = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [client.privatePath],
      knownHostKeys: sshd.hostKeys.map((k) => k.publicLine),
      command: ['echo', 'hello'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(ok.stdout, 'hello\n', ok.stderr);
  assert.equal(ok.code, 0);
  await sshd.waitForLog(/Accepted publickey for root from 127\.0\.0\.1/);

  // Pinning bites: a known_hosts entry with some other key makes ssh refuse.
  const wrongHost = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [client.privatePath],
      knownHostKeys: [other.publicLine],
      command: ['echo', 'hello'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(wrongHost.code, 255);
  assert.equal(wrongHost.stdout, '');
  assert.match(wrongHost.stderr, /Host key verification failed/);

  // A key not in authorized_keys is refused.
  const wrongKey = await runClient(
    opensshClientArgs({ dir: tmp.path, port: sshd.port, identityFiles: [other.privatePath], command: ['true'] }),
    { timeoutMs: 15000 },
  );
  assert.equal(wrongKey.code, 255);
  assert.match(wrongKey.stderr, /Permission denied \(publickey\)/);

  const dir = sshd.dir;
  await assertStopped(sshd);
  assert.equal(existsSync(dir), false, 'server temp dir not removed');
});

test('sshd: extra config lines are applied (cipher/MAC restriction, LogLevel)', async (t) => {
  if (!need(t, 'openssh-server', 'openssh-client')) return;
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const sshd = await startSshd({
    t,
    hostKeyTypes: ['ed25519'],
    authorizedKeys: [client.publicLine],
    config: ['Ciphers aes128-ctr', 'MACs hmac-sha2-256', 'LogLevel DEBUG3'],
  });
  assert.equal(sshd.hostKeys.length, 1);
  const ok = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [client.privatePath],
      configLines: ['LogLevel DEBUG1'],
      command: ['echo', 'ok'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(ok.stdout, 'ok\n', ok.stderr);
  assert.match(ok.stderr, /kex: client->server cipher: aes128-ctr MAC: hmac-sha2-256/);
  assert.match(sshd.log(), /debug3: /);

  const refused = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [client.privatePath],
      extra: ['-c', 'chacha20-poly1305@openssh.com'],
      command: ['true'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(refused.code, 255);
  assert.match(refused.stderr, /no matching cipher found/);
  await assertStopped(sshd);
});

test('startSshd rejects with the log when sshd cannot start, leaving nothing running', async (t) => {
  if (!need(t, 'openssh-server')) return;
  const before = liveProcessCount();
  await assert.rejects(
    startSshd({ hostKeyTypes: ['ed25519'], config: ['NoSuchOptionForHush yes'] }),
    (e: Error) => /sshd failed to start/.test(e.message) && /Bad configuration option/.test(e.message),
  );
  assert.equal(liveProcessCount(), before);
});

test('sshd with isolateHome: sessions see a throwaway home, the real one is untouched', async (t) => {
  if (!need(t, 'openssh-server', 'openssh-client')) return;
  if (!(await canIsolateHome())) {
    const reason = 'needs root and unshare --mount';
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return;
  }
  const realMarker = join(userInfo().homedir, 'hush-was-here');
  assert.equal(existsSync(realMarker), false, `${realMarker} exists before the test`);
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const sshd = await startSshd({ t, hostKeyTypes: ['ed25519'], authorizedKeys: [client.publicLine], isolateHome: true });
  assert.ok(sshd.home);
  const r = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [client.privatePath],
      command: ['touch ~/hush-was-here && echo done'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(r.stdout, 'done\n', r.stderr);
  assert.equal(existsSync(join(sshd.home, 'hush-was-here')), true, 'file not in the throwaway home');
  assert.equal(existsSync(realMarker), false, 'the session wrote into the real home');
  await assertStopped(sshd);
});

test('dbclient -> sshd: login with a converted key runs a command', async (t) => {
  if (!need(t, 'openssh-server', 'dropbear-client')) return;
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const sshd = await startSshd({ t, hostKeyTypes: ['ed25519'], authorizedKeys: [client.publicLine] });
  const r = await runClient(
    dbclientArgs({
      dir: tmp.path,
      port: sshd.port,
      identityFiles: [await toDropbearKey(client.privatePath)],
      ciphers: ['aes256-ctr'],
      macs: ['hmac-sha2-256'],
      command: ['echo', 'hi'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(r.stdout, 'hi\n', r.stderr);
  assert.equal(r.code, 0);
  await sshd.waitForLog(/Accepted publickey for root/);
  await assertStopped(sshd);
});

test('plink -> sshd: -hostkey SHA256 pinning and .ppk login', async (t) => {
  if (!need(t, 'openssh-server', 'putty')) return;
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const sshd = await startSshd({ t, authorizedKeys: [client.publicLine] });
  const ppk = await toPuttyKey(client.privatePath);
  const ok = await runClient(
    plinkArgs({
      dir: tmp.path,
      port: sshd.port,
      hostKeys: sshd.hostKeys.map((k) => k.fingerprint),
      identityFile: ppk,
      verbose: true,
      command: ['echo', 'hello'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(ok.stdout, 'hello\n', ok.stderr);
  assert.equal(ok.code, 0);
  assert.match(ok.stderr, /Access granted/);

  const wrong = await runClient(
    plinkArgs({
      dir: tmp.path,
      port: sshd.port,
      hostKeys: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      identityFile: ppk,
      command: ['echo', 'hello'],
    }),
    { timeoutMs: 15000 },
  );
  assert.notEqual(wrong.code, 0);
  assert.equal(wrong.stdout, '');
  assert.match(wrong.stderr, /host key/i);
  await assertStopped(sshd);
});

// Dropbear reads authorized keys only from ~user/.ssh/authorized_keys (no option for a path), and
// we run as root with a real home we must not touch. So this test logs in nowhere: it proves the
// server runs, serves the host keys the harness reports (ssh with StrictHostKeyChecking=yes and
// only those keys in known_hosts gets through key exchange), and refuses auth. The next test does
// full logins where a private mount namespace makes that possible.
test('dropbear: serves its banner and reported host keys; ssh and plink complete key exchange', async (t) => {
  if (!need(t, 'dropbear', 'openssh-client', 'putty')) return;
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const db = await startDropbear({ t });
  assert.match(db.banner, /^SSH-2\.0-dropbear_/);
  assert.deepEqual(
    db.hostKeys.map((k) => k.type),
    ['ed25519', 'ecdsa', 'rsa'],
  );

  const ssh = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: db.port,
      identityFiles: [client.privatePath],
      knownHostKeys: db.hostKeys.map((k) => k.publicLine),
      configLines: ['LogLevel DEBUG1'],
      command: ['true'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(ssh.code, 255);
  const ed = db.hostKeys[0];
  assert.ok(ed);
  assert.ok(ssh.stderr.includes(`Server host key: ssh-ed25519 ${ed.fingerprint}`), ssh.stderr);
  assert.match(ssh.stderr, /Host '\[127\.0\.0\.1\]:\d+' is known and matches/);
  assert.match(ssh.stderr, /Permission denied \(publickey\)/);

  const plink = await runClient(
    plinkArgs({
      dir: tmp.path,
      port: db.port,
      hostKeys: db.hostKeys.map((k) => k.fingerprint),
      identityFile: await toPuttyKey(client.privatePath),
      verbose: true,
      command: ['true'],
    }),
    { timeoutMs: 15000 },
  );
  assert.notEqual(plink.code, 0);
  assert.match(plink.stderr, /Initialised .* inbound encryption/);
  assert.match(plink.stderr, /Server refused our key|No supported authentication methods/);
  await db.waitForLog(/Child connection from 127\.0\.0\.1/);
  await assertStopped(db);
});

test('dropbear with authorizedKeys (private mount namespace): ssh, dbclient and plink log in', async (t) => {
  if (!need(t, 'dropbear', 'openssh-client', 'dropbear-client', 'putty')) return;
  if (!(await canIsolateHome())) {
    const reason = 'needs root and unshare --mount to give dropbear a throwaway home';
    console.log(`skipping: ${reason}`);
    t.skip(reason);
    return;
  }
  const realSsh = join(userInfo().homedir, '.ssh');
  const realSshExisted = existsSync(realSsh);
  const tmp = await makeTempDir(t);
  const client = await sshKeygen(tmp.path, 'ed25519', 'client');
  const db = await startDropbear({ t, hostKeyTypes: ['ed25519'], authorizedKeys: [client.publicLine] });
  const hostKeyLines = db.hostKeys.map((k) => k.publicLine);

  const ssh = await runClient(
    opensshClientArgs({
      dir: tmp.path,
      port: db.port,
      identityFiles: [client.privatePath],
      knownHostKeys: hostKeyLines,
      command: ['echo', 'hello'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(ssh.stdout, 'hello\n', ssh.stderr);
  assert.equal(ssh.code, 0);

  const dbc = await runClient(
    dbclientArgs({
      dir: tmp.path,
      port: db.port,
      identityFiles: [await toDropbearKey(client.privatePath)],
      command: ['echo', 'hi'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(dbc.stdout, 'hi\n', dbc.stderr);
  assert.equal(dbc.code, 0);

  const plink = await runClient(
    plinkArgs({
      dir: tmp.path,
      port: db.port,
      hostKeys: db.hostKeys.map((k) => k.fingerprint),
      identityFile: await toPuttyKey(client.privatePath),
      command: ['echo', 'hey'],
    }),
    { timeoutMs: 15000 },
  );
  assert.equal(plink.stdout, 'hey\n', plink.stderr);
  assert.equal(plink.code, 0);

  await db.waitForLog(/Pubkey auth succeeded for 'root'/);
  await assertStopped(db);
  assert.equal(existsSync(realSsh), realSshExisted, `${realSsh} was created or removed`);
});

test('no harness process is left running', () => {
  assert.equal(liveProcessCount(), 0);
});

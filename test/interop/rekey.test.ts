/**
 * Key re-exchange with real OpenSSH in both directions and both roles, and with Dropbear.
 * OpenSSH refuses rekeys during user authentication, so each case authenticates first (publickey).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { MSG } from '../../src/messages/numbers.js';
import { authenticate, serveAuthentication } from '../../src/node/authenticate.js';
import { dialTransport, listenTransport, type TransportSocket } from '../../src/node/transport-socket.js';
import type { TransportEvent } from '../../src/transport/events.js';
import { Writer } from '../../src/wire/writer.js';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen, startDropbear, startSshd } from '../harness/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rekeys = (conn: TransportSocket, by: 'us' | 'peer') =>
  conn.events.filter((e): e is Extract<TransportEvent, { type: 'kex' }> => e.type === 'kex' && !e.initial && e.initiatedBy === by);
/** keepalive@openssh.com with want-reply: makes the peer send a packet (OpenSSH checks its rekey limits when sending). */
const keepalive = () => new Writer().u8(MSG.GLOBAL_REQUEST).utf8('keepalive@openssh.com').bool(true).finish();

async function until(cond: () => boolean, ms: number, poke?: () => void): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    poke?.();
    await sleep(100);
  }
  return cond();
}

test('hush client <-> OpenSSH sshd: rekeys started by hush and by sshd complete; data keeps flowing', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  const key = PrivateKey.generate('ed25519');
  const line = `ssh-ed25519 ${Buffer.from(key.publicKey).toString('base64')} hush-test`;
  // sshd rekeys by itself every second (RekeyLimit <bytes> <seconds>).
  const sshd = await startSshd({ t, authorizedKeys: [line], config: ['RekeyLimit default 1', 'LogLevel DEBUG1'] });
  const conn = await dialTransport(sshd.host, sshd.port, {}, { verifyHostKey: () => true });
  try {
    await authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key }] });
    conn.act((tr) => tr.rekey());
    assert.ok(await until(() => rekeys(conn, 'us').length >= 1, 10_000), 'hush-initiated rekey finished');
    assert.ok(
      await until(() => rekeys(conn, 'peer').length >= 1, 10_000, () => conn.act((tr) => tr.send(keepalive()))),
      `sshd-initiated rekey finished\n${sshd.log()}`,
    );
    // Global requests are still answered after the rekeys (REQUEST_FAILURE for keepalive).
    const before = conn.events.filter((e) => e.type === 'payload' && e.payload[0] === MSG.REQUEST_FAILURE).length;
    conn.act((tr) => tr.send(keepalive()));
    assert.ok(await until(() => conn.events.filter((e) => e.type === 'payload' && e.payload[0] === MSG.REQUEST_FAILURE).length > before, 5000));
    for (const k of [...rekeys(conn, 'us'), ...rekeys(conn, 'peer')]) assert.equal(k.strict, true);
    assert.equal(conn.transport.closed, false);
  } finally {
    conn.close();
    await sshd.stop();
  }
});

test('OpenSSH ssh <-> hush server: rekeys started by ssh and by hush complete', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const allowed = Buffer.from(id.publicLine.split(' ')[1]!, 'base64');
  const conns: TransportSocket[] = [];
  const server = await listenTransport({}, { hostKeys: [PrivateKey.generate('ed25519')] }, (conn) => {
    conns.push(conn);
    serveAuthentication(conn, {}, (req) => (req.method === 'publickey' && Buffer.from(req.key).equals(allowed) ? 'accept' : 'reject')).then(
      () => setTimeout(() => conn.act((tr) => tr.rekey()), 200),
      () => undefined,
    );
  });
  try {
    // ServerAliveInterval makes ssh send packets, and RekeyLimit makes it rekey every second.
    const cmd = opensshClientArgs({
      dir: tmp.path,
      port: server.port,
      identityFiles: [id.privatePath],
      configLines: ['ServerAliveInterval 1', 'ServerAliveCountMax 100', 'RekeyLimit default 1', 'LogLevel DEBUG1'],
      extra: ['-N'],
    });
    const run = runClient(cmd, { timeoutMs: 4500 });
    const r = await run;
    const conn = conns[0];
    assert.ok(conn, 'ssh connected');
    assert.match(r.stderr, /Authenticated to 127\.0\.0\.1 .* using "publickey"/);
    assert.ok(rekeys(conn, 'us').length >= 1, 'hush-initiated rekey with ssh');
    assert.ok(rekeys(conn, 'peer').length >= 1, `ssh-initiated rekey: ${r.stderr}`);
    assert.ok((r.stderr.match(/SSH2_MSG_NEWKEYS received/g) ?? []).length >= 3, 'ssh saw the new keys each time');
    assert.doesNotMatch(r.stderr, /Corrupted|Bad packet|padding error|fatal/);
  } finally {
    await server.close();
  }
});

test('hush client <-> Dropbear: a rekey after authentication completes', async (t) => {
  if (!requirePeer('dropbear', t)) return;
  const key = PrivateKey.generate('ed25519');
  const line = `ssh-ed25519 ${Buffer.from(key.publicKey).toString('base64')} hush-test`;
  const db = await startDropbear({ t, authorizedKeys: [line] });
  const conn = await dialTransport(db.host, db.port, {}, { verifyHostKey: () => true });
  try {
    await authenticate(conn, { user: 'root', credentials: [{ method: 'publickey', key }] });
    conn.act((tr) => tr.rekey());
    assert.ok(await until(() => rekeys(conn, 'us').length >= 1, 10_000), `rekey with dropbear\n${db.log()}`);
    conn.act((tr) => tr.send(keepalive()));
    assert.ok(await until(() => conn.events.some((e) => e.type === 'payload' && e.payload[0] === MSG.REQUEST_FAILURE), 5000));
  } finally {
    conn.close();
    await db.stop();
  }
});

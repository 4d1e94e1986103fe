/**
 * One connection's misbehaviour (or a failing session handler) ends that connection only;
 * channel and global request policy: MaxSessions, no-more-sessions@openssh.com, channel types
 * other than "session", unknown global requests.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { MSG } from '../../src/messages/numbers.js';
import type { Client } from '../../src/node/client.js';
import { sessionHandler } from '../../src/node/session-handler.js';
import { Writer } from '../../src/wire/writer.js';
import { startFixture, waitFor, type Fixture } from './fixture.js';

/** A second connection running a command that outlives the misbehaving one. */
async function bystander(fx: Fixture): Promise<{ client: Client; result: Promise<string> }> {
  const client = await fx.client();
  const result = client.exec('sleep 1; echo survived').then((r) => `${r.stdout.toString()}${r.code}`);
  return { client, result };
}

function rawSend(client: Client, payload: Uint8Array): void {
  client.engine.transport.send(payload);
  client.driver.pump();
}

test('data for a channel that does not exist ends that connection only', async (t) => {
  const fx = await startFixture(t);
  const other = await bystander(fx);
  t.after(() => other.client.close());
  const bad = await fx.client();
  rawSend(bad, new Writer().u8(MSG.CHANNEL_DATA).u32(4242).bytesString(new Uint8Array(16)).finish());
  const err = await bad.closed;
  assert.match(String(err?.message), /channel 4242/);
  assert.equal(await other.result, 'survived\n0');
});

test('a client sending beyond the window is disconnected; another connection\'s command completes', async (t) => {
  const fx = await startFixture(t);
  const other = await bystander(fx);
  t.after(() => other.client.close());
  const bad = await fx.client();
  const ch = await bad.openChannel('session');
  const info = bad.engine.connection.channelInfo(ch.id)!;
  const window = info.remoteWindow;
  const chunk = new Uint8Array(32 * 1024);
  // Straight to the transport, past the client's own window accounting.
  for (let sent = 0; sent <= window; sent += chunk.length) {
    rawSend(bad, new Writer().u8(MSG.CHANNEL_DATA).u32(info.remoteId).bytesString(chunk).finish());
  }
  const err = await bad.closed;
  assert.match(String(err?.message), /window/);
  assert.equal(await other.result, 'survived\n0');
  await waitFor(() => fx.events.some((e) => e.name === 'disconnect' && /window/.test(String((e.event as { reason: string }).reason))));
});

test('a session handler that throws ends its own connection, not the server', async (t) => {
  const inner = sessionHandler();
  const fx: Fixture = await startFixture(t, {
    sessions: (s) => {
      s.on('request', (r) => {
        if (r.type === 'exec' && Buffer.from(r.data).includes('boom')) throw new Error('handler exploded');
      });
      inner(s);
    },
  });
  const other = await bystander(fx);
  t.after(() => other.client.close());
  const bad = await fx.client();
  await assert.rejects(bad.exec('echo boom'));
  await bad.closed;
  assert.equal(await other.result, 'survived\n0');
  assert.ok(fx.events.some((e) => e.name === 'disconnect' && /handler exploded/.test((e.event as { reason: string }).reason)));
  // The server still serves new connections.
  const again = await fx.client();
  t.after(() => again.close());
  assert.equal((await again.exec('echo ok')).stdout.toString(), 'ok\n');
});

test('MaxSessions: opens beyond the limit are refused; a closed session frees its place', async (t) => {
  const fx = await startFixture(t, { maxSessions: 3 });
  const client = await fx.client();
  t.after(() => client.close());
  const open = [await client.openChannel('session'), await client.openChannel('session'), await client.openChannel('session')];
  await assert.rejects(client.openChannel('session'), /too many sessions \(MaxSessions 3\)/);
  open[0]!.destroy();
  await new Promise((r) => open[0]!.once('close', r));
  await waitFor(() => client.engine.connection.openChannels === 2);
  const s = await client.openChannel('session');
  assert.ok(s);
  // The default is sshd's 10.
  const fx10 = await startFixture(t);
  const c10 = await fx10.client();
  t.after(() => c10.close());
  for (let i = 0; i < 10; i++) await c10.openChannel('session');
  await assert.rejects(c10.openChannel('session'), /MaxSessions 10/);
});

test('no-more-sessions@openssh.com is honoured; other channel types and global requests are refused', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  await assert.rejects(client.openChannel('direct-tcpip'), /not allowed/);
  await assert.rejects(client.openChannel('x11'), /not allowed/);
  // keepalive@openssh.com is answered (with failure, as sshd): the connection is alive.
  assert.equal(await client.ping(), true);
  const first = await client.exec('echo first');
  assert.equal(first.stdout.toString(), 'first\n');
  client.engine.connection.globalRequest('no-more-sessions@openssh.com', false);
  client.driver.pump();
  await assert.rejects(client.openChannel('session'), /no more sessions/);
});

test('maxConnections and maxStartups drop connections beyond the limits; LoginGraceTime drops a silent client', async (t) => {
  const fx = await startFixture(t, { maxConnections: 1, loginGraceTimeMs: 400 });
  const first = await fx.client();
  t.after(() => first.close());
  await assert.rejects(fx.client());
  assert.ok(fx.events.some((e) => e.name === 'disconnect' && /too many connections/.test((e.event as { reason: string }).reason)));
  assert.equal((await first.exec('echo still here')).stdout.toString(), 'still here\n');
  await first.close();
  await waitFor(() => fx.server.connectionCount === 0);

  // A client that connects and never authenticates is dropped after the grace time.
  const started = Date.now();
  const sock = connect({ host: '127.0.0.1', port: fx.port });
  sock.on('data', () => undefined);
  sock.on('error', () => undefined);
  await new Promise((r) => sock.once('close', r));
  const took = Date.now() - started;
  assert.ok(took >= 300 && took < 5000, `dropped after ${took} ms`);

  const fx2 = await startFixture(t, { maxStartups: 1 });
  const idle = connect({ host: '127.0.0.1', port: fx2.port });
  idle.on('error', () => undefined);
  t.after(() => idle.destroy());
  await waitFor(() => fx2.server.connectionCount === 1);
  await assert.rejects(fx2.client());
  const drop = fx2.events.find((e) => e.name === 'disconnect' && /unauthenticated/.test((e.event as { reason: string }).reason));
  assert.ok(drop, 'a disconnect event for the dropped connection');
  assert.deepEqual([(drop.event as { dropped?: string }).dropped, (drop.event as { unauthenticated?: number }).unauthenticated], ['MaxStartups', 1]);
});

test('closing a pty session hangs up its terminal: the program gets SIGHUP', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  const proc = await client.spawn('sleep 100', { pty: true });
  await waitFor(() => fx.events.some((e) => e.name === 'session'));
  const pid = (fx.events.find((e) => e.name === 'session')!.event as { pid: number }).pid;
  assert.ok(pid > 0);
  proc.channel.destroy();
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 5000, 'the program to end after the hangup');
});

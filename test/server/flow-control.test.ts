/**
 * Flow control of sessions, with the hush client: a client that does not read holds the program
 * (the server's memory stays bounded while 200 MB wait), and the server's window is refilled
 * only as the program reads its stdin.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { connect } from '../../src/node/client.js';
import { sleep, startFixture, waitFor } from './fixture.js';

const MiB = 1024 * 1024;

test('a client that does not read holds the program: memory stays bounded, then every byte arrives', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  const total = 200_000_000;
  const base = process.memoryUsage().rss;
  const proc = await client.spawn(`head -c ${total} /dev/zero`);
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    peak = Math.max(peak, process.memoryUsage().rss - base);
  }
  // Still running: the program is blocked on its pipe, not finished and buffered somewhere.
  assert.ok(!fx.events.some((e) => e.name === 'session-exit'), 'the program finished although nobody read its output');
  assert.ok(peak < 64 * MiB, `rss grew by ${(peak / MiB).toFixed(1)} MiB while the client did not read`);
  let received = 0;
  proc.stdout.on('data', (b: Buffer) => {
    received += b.length;
  });
  const status = await proc.wait();
  assert.equal(status.code, 0);
  assert.equal(received, total);
});

test('the window is refilled only as the program reads its stdin', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  const proc = await client.spawn('sleep 1.5; wc -c');
  const total = 48 * MiB;
  let produced = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  async function* source(): AsyncGenerator<Buffer> {
    while (produced < total) {
      produced += chunk.length;
      yield chunk;
    }
  }
  const out: Buffer[] = [];
  proc.stdout.on('data', (b: Buffer) => out.push(b));
  const sending = pipeline(Readable.from(source()), proc.stdin);
  await sleep(1000);
  // While the program sleeps, only what fits the server's window (2 MiB) plus the buffers on
  // the way (the client's send queue, stream buffers, the pipe) can have left the generator.
  assert.ok(produced < 8 * MiB, `the client could send ${(produced / MiB).toFixed(1)} MiB while the program read nothing`);
  await sending;
  const status = await proc.wait();
  assert.equal(status.code, 0);
  assert.equal(Buffer.concat(out).toString().trim(), String(total));
});

test('a pty session is flow-controlled too, and its last output is never lost', async (t) => {
  const fx = await startFixture(t);
  const client = await fx.client();
  t.after(() => client.close());
  // Output that ends right as the program exits: small (read at once) and large enough that the
  // terminal was paused for a client that starts reading only later.
  const cases: Array<[bytes: number, delayMs: number]> = [
    [1000, 0],
    [8000, 0],
    [12_000, 0],
    [500_000, 0],
    [3_000_000, 800],
    [3_300_000, 800],
    [3_600_000, 800],
  ];
  for (const [bytes, delayMs] of cases) {
    const proc = await client.spawn(`head -c ${bytes} /dev/zero | tr '\\0' a; echo END`, { pty: { cols: 80, rows: 24 } });
    if (delayMs) await sleep(delayMs);
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (b: Buffer) => chunks.push(b));
    const status = await proc.wait();
    assert.equal(status.code, 0);
    const text = Buffer.concat(chunks).toString();
    assert.equal(text.length, bytes + 5, `${bytes} bytes after ${delayMs} ms: got ${text.length}, ending ${JSON.stringify(text.slice(-12))}`);
    assert.ok(text.endsWith('aEND\r\n'));
  }
  await waitFor(() => fx.events.filter((e) => e.name === 'session-exit').length === cases.length);
});

test('a client that opens a 4 GiB window and stops reading its socket: the server holds its output at a bound, then every byte arrives', async (t) => {
  const fx = await startFixture(t);
  // Our own listener, to see the server's end of the connection.
  const serverSockets: Socket[] = [];
  const listener = createNetServer((s) => {
    serverSockets.push(s);
    fx.server.accept(s);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => listener.close());
  const sock = netConnect((listener.address() as AddressInfo).port, '127.0.0.1');
  await once(sock, 'connect');
  const client = await connect({
    host: '127.0.0.1',
    username: 'tester',
    privateKey: readFileSync(fx.key.privatePath),
    hostKey: () => true,
    sock,
    // The largest window RFC 4254 allows: the window alone does not stop the server.
    connection: { defaultWindow: 0xffffffff },
  });
  t.after(() => client.close());
  const total = 300 * MiB;
  const proc = await client.spawn(`head -c ${total} /dev/zero`);
  sock.pause(); // the client stops reading: TCP fills up, then the server's socket buffer
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    peak = Math.max(peak, ...serverSockets.map((s) => s.writableLength));
  }
  assert.ok(!fx.events.some((e) => e.name === 'session-exit'), 'the program finished although nobody read its output');
  assert.ok(peak < 4 * MiB, `the server buffered ${(peak / MiB).toFixed(1)} MiB for a client that does not read`);
  let received = 0;
  proc.stdout.on('data', (b: Buffer) => {
    received += b.length;
  });
  sock.resume();
  const status = await proc.wait();
  assert.equal(status.code, 0);
  assert.equal(received, total);
});

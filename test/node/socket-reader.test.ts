/**
 * SocketReader on accepted sockets: it takes over reading (no 'data' events), and a lent read
 * buffer comes back for later reads only once every view of it that left was claimed and each
 * claim released; a view nobody claimed keeps its buffer out of reuse for good.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { SocketReader } from '../../src/node/socket-reader.js';

const MiB = 1024 * 1024;

/** Accepts one connection read by a SocketReader, writes `data` into it from a client, and ends. */
async function serve(data: Buffer, onChunk: (reader: SocketReader, chunk: Uint8Array, owned: boolean) => void): Promise<{ dataEvents: number; adopted: boolean; received: Buffer }> {
  let dataEvents = 0;
  let adopted = false;
  const got: Buffer[] = [];
  let accepted!: Socket;
  const server = createServer((socket) => {
    accepted = socket;
    const reader = new SocketReader();
    adopted = reader.adopt(socket);
    socket.on('data', () => dataEvents++);
    reader.attach((chunk, owned) => {
      got.push(Buffer.from(chunk));
      onChunk(reader, chunk, owned);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(c, 'connect');
  c.end(data);
  await once(c, 'close');
  await new Promise((r) => setTimeout(r, 50));
  accepted.destroy();
  server.close();
  return { dataEvents, adopted, received: Buffer.concat(got) };
}

test('an accepted socket is read through the reader on this Node: no data events, every byte in order', async () => {
  const data = randomBytes(3 * MiB + 17);
  const r = await serve(data, () => undefined);
  assert.ok(r.adopted, "this Node's accepted sockets could not be adopted: hushd would read them with a new buffer per read");
  assert.equal(r.dataEvents, 0);
  assert.ok(r.received.equals(data));
});

test('a lent buffer is reused only after every view of it was claimed and released, and never while a claim holds it', async () => {
  const data = randomBytes(16 * MiB);
  const held: Array<{ view: Uint8Array; copy: Buffer; release: () => void }> = [];
  const lent = new Set<ArrayBufferLike>();
  let lentReads = 0;
  await serve(data, (reader, chunk, owned) => {
    if (!owned) return;
    lentReads++;
    lent.add(chunk.buffer);
    // As the driver does for two channel data events cut from this read.
    const half = chunk.length >> 1;
    for (const view of [chunk.subarray(0, half), chunk.subarray(half)]) {
      reader.handedOut(view);
      const release = reader.claim(view)!;
      assert.equal(typeof release, 'function');
      held.push({ view, copy: Buffer.from(view), release });
    }
    // Released a few reads later, as a program's stdin completes its writes: until then the
    // bytes under every view still held must be untouched by later reads.
    while (held.length > 8) {
      const h = held.shift()!;
      assert.ok(Buffer.from(h.view).equals(h.copy), 'a claimed view was overwritten before it was released');
      h.release();
    }
  });
  for (const h of held) assert.ok(Buffer.from(h.view).equals(h.copy));
  assert.ok(lentReads >= 20, `lent reads: ${lentReads}`);
  assert.ok(lent.size < lentReads / 2, `${lent.size} buffers for ${lentReads} lent reads: they were not reused`);
});

test('a view that was handed out but not claimed keeps its bytes for good: later reads go only into the unused tail of its buffer', async () => {
  const data = randomBytes(8 * MiB);
  const kept: Array<{ view: Uint8Array; copy: Buffer }> = [];
  /** The byte ranges of each buffer that lent reads used. */
  const lent = new Map<ArrayBufferLike, Array<[number, number]>>();
  let lentReads = 0;
  await serve(data, (reader, chunk, owned) => {
    if (!owned) return;
    lentReads++;
    const ranges = lent.get(chunk.buffer) ?? [];
    for (const [from, to] of ranges) {
      assert.ok(chunk.byteOffset >= to || chunk.byteOffset + chunk.length <= from, 'a read went into bytes an earlier read lent out');
    }
    ranges.push([chunk.byteOffset, chunk.byteOffset + chunk.length]);
    lent.set(chunk.buffer, ranges);
    const a = chunk.subarray(0, 100);
    const b = chunk.subarray(100);
    reader.handedOut(a);
    reader.handedOut(b);
    reader.claim(a)!(); // one claimed and released at once, the other kept by someone
    kept.push({ view: b, copy: Buffer.from(b) });
  });
  assert.ok(lentReads >= 10);
  // Reads average well under a buffer's 256 KiB: tails were used, not a new buffer per read.
  assert.ok(lent.size < lentReads, `${lent.size} buffers for ${lentReads} lent reads`);
  for (const k of kept) assert.ok(Buffer.from(k.view).equals(k.copy), 'an unclaimed view was overwritten');
});

test('connections that are not busy read into one shared buffer, copied at once: each gets its own bytes, none holds a buffer', async () => {
  const clients = 12;
  const rounds = 8;
  const sent = Array.from({ length: clients }, () => [] as Buffer[]);
  const got = Array.from({ length: clients }, () => [] as Buffer[]);
  const buffers = new Set<ArrayBufferLike>();
  let owned = 0;
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    const reader = new SocketReader();
    assert.ok(reader.adopt(socket));
    let who = -1;
    reader.attach((chunk, isOwned) => {
      // Each client's first byte says who it is.
      if (who < 0) who = chunk[0]!;
      buffers.add(chunk.buffer);
      if (isOwned) owned++;
      got[who]!.push(Buffer.from(chunk)); // the chunk itself is the next read's, anywhere
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sockets = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = connect(port, '127.0.0.1');
      await once(c, 'connect');
      return c;
    }),
  );
  for (let r = 0; r < rounds; r++) {
    sockets.forEach((c, i) => {
      const msg = randomBytes(100 + ((r * 37 + i * 101) % 3000));
      if (r === 0) msg[0] = i;
      sent[i]!.push(msg);
      c.write(msg);
    });
    await new Promise((res) => setTimeout(res, 5));
  }
  const total = (xs: Buffer[][]) => xs.reduce((a, x) => a + Buffer.concat(x).length, 0);
  for (let i = 0; i < 200 && total(got) < total(sent); i++) await new Promise((res) => setTimeout(res, 10));
  for (let i = 0; i < clients; i++) assert.ok(Buffer.concat(got[i]!).equals(Buffer.concat(sent[i]!)), `client ${i}'s bytes`);
  assert.equal(owned, 0, 'small reads are copied, never lent');
  assert.equal(buffers.size, 1, `${buffers.size} read buffers for ${clients} connections that were never busy`);
  for (const c of sockets) c.destroy();
  for (const s of accepted) s.destroy();
  server.close();
});

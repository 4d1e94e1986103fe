/**
 * Socket read buffers from the addon's pool (src/node/read-memory.ts, native/src/read_pool.c):
 * memory comes back for reuse only after the garbage collector freed the Buffer, so a busy
 * connection stops faulting fresh pages in, and a view an application kept never changes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { nativeCrypto } from '../../src/crypto/native.js';
import { requireNativeAddon } from '../harness/availability.js';


const READ_MEMORY = JSON.stringify(resolve('dist/src/node/read-memory.js'));
const NATIVE = JSON.stringify(resolve('dist/src/crypto/native.js'));

/** Runs an ES module with --expose-gc and returns what it printed as JSON. */
function child<T>(body: string): T {
  const script = `
    const { allocReadBuffer, holdReadPool } = await import(${READ_MEMORY});
    const { nativeCrypto } = await import(${NATIVE});
    const stats = () => nativeCrypto().readPoolStats();
    /** A collection, then turns of the event loop: V8 frees backing stores on a helper thread, and Node then runs their finalizers on this one. */
    const collect = async () => { globalThis.gc(); await new Promise((r) => setImmediate(r)); await new Promise((r) => setImmediate(r)); };
    /** Collections until the pool holds at least n blocks (or 200 tries: the caller's assertion then fails). */
    const collectUntil = async (n) => { for (let i = 0; i < 200 && stats()[0] < n; i++) { await collect(); await new Promise((r) => setTimeout(r, 5)); } };
    ${body}`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as T;
}

test('collected read buffers come back to the pool, the next ones are taken from it, and the pool is let go with its last holder', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  const r = child<{ back: number; afterReuse: number; released: number; unheld: number; faults: number }>(`
    const release = holdReadPool();
    let held = [];
    for (let j = 0; j < 8; j++) held.push(allocReadBuffer(256 * 1024).fill(j));
    held = null;
    await collectUntil(8);
    const back = stats()[0];
    held = [];
    for (let j = 0; j < 8; j++) held.push(allocReadBuffer(256 * 1024));
    const afterReuse = stats()[0];
    // 600 MiB cycled through the pool: pages already mapped, so hardly any fault.
    held = null;
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 300; i++) {
      held = [];
      for (let j = 0; j < 8; j++) held.push(allocReadBuffer(256 * 1024).fill(i));
      held = null;
      await collect();
    }
    const faults = process.resourceUsage().minorPageFault - before;
    release();
    const released = stats()[0];
    // Blocks that come back with nobody holding the pool are freed, not kept.
    held = [allocReadBuffer(256 * 1024)];
    held = null;
    for (let i = 0; i < 5; i++) await collect();
    console.log(JSON.stringify({ back, afterReuse, released, unheld: stats()[0], faults }));`);
  console.log(`page faults while 600 MiB of read buffers went through the pool: ${r.faults} (153,600 pages)`);
  assert.ok(r.back >= 4, `blocks back in the pool after a collection: ${r.back}`);
  assert.equal(r.afterReuse, Math.max(0, r.back - 8), 'new buffers were not taken from the pool');
  assert.ok(r.faults < 153600 / 20, `${r.faults} page faults`);
  assert.equal(r.released, 0);
  assert.equal(r.unheld, 0);
});

test('a view the application keeps holds its bytes: its memory is never handed out again', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  const r = child<{ intact: boolean }>(`
    const release = holdReadPool();
    let kept = allocReadBuffer(256 * 1024).fill(0xab).subarray(1000, 2000);
    for (let i = 0; i < 200; i++) {
      let bs = [];
      for (let j = 0; j < 8; j++) bs.push(allocReadBuffer(256 * 1024).fill(i & 0x7f));
      bs = null;
      await collect();
    }
    const intact = kept.every((b) => b === 0xab);
    release();
    console.log(JSON.stringify({ intact }));`);
  assert.ok(r.intact, 'a kept view was overwritten by a later read buffer');
});

test('the pool refuses bad sizes and deltas with ERR_NATIVE_ARGS', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  const a = nativeCrypto()!;
  for (const size of [0, 16 * 1024 * 1024 + 1, -1]) {
    assert.throws(() => a.readBuffer!(size), (e: Error & { code?: string }) => e.code === 'ERR_NATIVE_ARGS', `size ${size}`);
  }
  assert.throws(() => a.readPoolUse!(2 as 1), (e: Error & { code?: string }) => e.code === 'ERR_NATIVE_ARGS');
  const b = a.readBuffer!(12345);
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 12345);
});

/**
 * The hush command keeps freed memory for reuse (src/cli/malloc-tuning.ts): buffers allocated and
 * freed over and over stop faulting their pages in again, and `hush -vvv` says it is in effect.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { requireNativeAddon } from '../harness/availability.js';
import { freePort } from '../harness/peers.js';
import { HUSH } from './hush-fixture.js';

const glibc = Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);


/** Minor page faults of 300 rounds of eight 256 KiB read-sized buffers, filled, dropped and collected. */
function faults(tune: boolean): number {
  const script = `
    ${tune ? `const { keepFreedMemory } = await import(${JSON.stringify(resolve('dist/src/cli/malloc-tuning.js'))});
    if (!keepFreedMemory()) throw new Error('not applied');` : ''}
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 300; i++) {
      let held = [];
      for (let j = 0; j < 8; j++) held.push(Buffer.allocUnsafeSlow(256 * 1024).fill(i));
      held = null;
      globalThis.gc();
    }
    console.log(process.resourceUsage().minorPageFault - before);`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('with freed memory kept, buffers allocated again do not fault their pages in again', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  if (!glibc) {
    t.skip('malloc is not glibc\'s: nothing to tune');
    return;
  }
  const plain = faults(false);
  const kept = faults(true);
  // 300 rounds of 2 MiB: with glibc's defaults part of it goes back to the kernel in most rounds
  // (measured: 15-19k faults); kept, little more than the first round's pages are faulted in (~1.3k).
  assert.ok(plain > 300 * 10, `glibc's defaults fault the buffers in again: ${plain} faults`);
  console.log(`page faults: ${plain} with glibc's defaults, ${kept} with freed memory kept`);
  assert.ok(kept * 4 < plain, `kept: ${kept} faults, against ${plain} with the defaults`);
});

test('hush -vvv says that freed memory is kept (the command applies the setting)', async (t) => {
  if (!(await requireNativeAddon(t))) return;
  if (!glibc) {
    t.skip('malloc is not glibc\'s: nothing to tune');
    return;
  }
  const port = await freePort(); // nothing listens: hush fails after its first debug lines
  const r = spawnSync(process.execPath, [HUSH, '-vvv', '-F', '/dev/null', '-o', 'ConnectionAttempts=1', '-p', String(port), '127.0.0.1', 'true'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 255, r.stderr);
  assert.match(r.stderr, /^debug3: malloc: freed memory kept for reuse \(up to 64 MiB\)$/m);
});

/** The benchmark still works (no timing is asserted: speed is measured by `npm run bench`, not by tests). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CIPHERS } from '../../src/crypto/cipher-registry.js';
import { DEFAULT_KEX } from '../../src/kex/registry.js';

test('npm run bench -- --quick runs every section and writes its results', () => {
  const r = spawnSync(process.execPath, ['dist/bench/run.js', '--quick'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  for (const c of DEFAULT_CIPHERS) assert.match(r.stdout, new RegExp(`\\| ${c.replace(/[.]/g, '\\.')}[ |]`), `row for ${c}`);
  for (const k of DEFAULT_KEX) assert.ok(r.stdout.includes(`| ${k} |`), `row for ${k}`);
  const json = JSON.parse(readFileSync('bench/results/quick.json', 'utf8')) as { rows: Array<{ median: number }> };
  assert.ok(json.rows.length >= DEFAULT_CIPHERS.length + DEFAULT_KEX.length);
  for (const row of json.rows) assert.ok(row.median > 0);
});

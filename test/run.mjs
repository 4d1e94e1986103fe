// Runs every compiled test file under dist/test with Node's built-in test runner.
// (Node 20's `node --test` takes no globs, so the file list is built here.)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const only = process.argv.slice(2);
const files = collect('dist/test').filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/test');
  process.exit(1);
}
// No test may hang the run: each test has 10 minutes, a file whose tests are done exits even if a
// handle is left open, and the whole run is stopped after 40 minutes with a message saying so.
const args = ['--test', '--test-concurrency=2', '--test-timeout=600000', '--test-force-exit', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: 40 * 60_000, killSignal: 'SIGKILL' });
if (r.error || r.signal) console.error(`test run stopped: ${r.error?.message ?? r.signal}`);
process.exit(r.status ?? 1);

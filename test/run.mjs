// Runs every compiled test file under dist/test with Node's built-in test runner.
// (Node 20's `node --test` takes no globs, so the file list is built here.)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

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
// No test may hang the run: each test has 10 minutes, and after 30 minutes the whole run (its
// process group) is stopped, with the processes still running listed so that the culprit can be
// found. Not --test-force-exit: with it, Node 20 sometimes ended a file's process in the middle of
// its tests and the run still passed with fewer tests (kex.test.js reported 47, 49 or 54 of 54;
// one CI run counted 1071 instead of 1087). A file that leaves a handle open must close it.
const args = ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const watchdog = setTimeout(() => {
  console.error('\ntest run stopped after 30 minutes; processes still running:');
  spawnSync('ps', ['-eo', 'pid,ppid,pgid,etime,args', '--forest'], { stdio: 'inherit' });
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  process.exit(1);
}, 30 * 60_000);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(code ?? (signal ? 1 : 0));
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  });
}

/**
 * Builds the optional native addon (native/: packet protection, process start) with node-gyp, against the
 * running Node's own headers and bundled OpenSSL: nothing is downloaded when the headers sit
 * next to the node binary (Debian's nodejs, the official tarballs) or npm's nodedir names them.
 *
 * Run by `npm install` (the package's install script) and by `npm run build:native`. It never
 * fails an install: without a compiler hush uses node:crypto and WebAssembly, with the same bytes
 * on the wire, only slower. HUSH_NATIVE=0 skips the build; HUSH_NATIVE=1 makes a failed build an
 * error (CI sets it, so a broken addon cannot go unnoticed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const mode = process.env.HUSH_NATIVE;
if (mode === '0') {
  console.log('hush: native addon not built (HUSH_NATIVE=0)');
  process.exit(0);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((p) => p !== undefined && existsSync(p));

function fail(why) {
  console.warn(`hush: native addon not built, using node:crypto instead (slower): ${why}`);
  process.exit(mode === '1' ? 1 : 0);
}

if (gyp === undefined) fail('node-gyp not found');
const args = [gyp, 'rebuild'];
const nodedir = process.env.npm_config_nodedir ?? resolve(dirname(process.execPath), '..');
if (existsSync(join(nodedir, 'include/node/node_api.h'))) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { cwd: join(root, 'native'), encoding: 'utf8' });
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}\n${(r.stderr || r.error?.message || '').trim().split('\n').slice(-15).join('\n')}`);
console.log('hush: native addon built (native/build/Release/hush_native.node)');

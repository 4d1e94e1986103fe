#!/usr/bin/env node
// Compiles the hand-written WebAssembly text sources (.wat) under src/ into TypeScript
// modules that embed the binary as a base64 string, so nothing has to be built or read
// from disk at run time.
//
//   node scripts/build-wasm.mjs           regenerate the .ts files
//   node scripts/build-wasm.mjs --check   exit 1 if a generated file is out of date
//
// Needs the `wabt` devDependency (pure JS/wasm build of the WebAssembly Binary Toolkit).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every .wat module and the generated file/constant it becomes. */
const MODULES = [
  { wat: 'src/crypto/poly1305.wat', out: 'src/crypto/poly1305-wasm.ts', name: 'POLY1305_WASM_BASE64' },
  { wat: 'src/crypto/chacha20.wat', out: 'src/crypto/chacha20-wasm.ts', name: 'CHACHA20_WASM_BASE64' },
];

const FEATURES = { simd: true, bulk_memory: true, sign_extension: true, mutable_globals: true, multi_value: true };

const check = process.argv.includes('--check');
const wabt = await wabtInit();
let stale = 0;

for (const m of MODULES) {
  const watPath = join(root, m.wat);
  const source = readFileSync(watPath, 'utf8');
  const mod = wabt.parseWat(m.wat, source, FEATURES);
  let bytes;
  try {
    mod.resolveNames();
    mod.validate();
    bytes = mod.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
  // Make sure the engine we run on accepts it too.
  if (!WebAssembly.validate(bytes)) throw new Error(`${m.wat}: WebAssembly.validate failed`);

  const b64 = Buffer.from(bytes).toString('base64');
  const lines = [];
  for (let i = 0; i < b64.length; i += 96) lines.push(`  '${b64.slice(i, i + 96)}'`);
  const text =
    `// GENERATED FILE - do not edit.\n` +
    `// Generated from ${relative(dirname(join(root, m.out)), watPath).replaceAll('\\', '/')} by scripts/build-wasm.mjs` +
    ` (run \`node scripts/build-wasm.mjs\` after editing the .wat).\n` +
    `// ${bytes.length} bytes of WebAssembly, base64-encoded.\n\n` +
    `export const ${m.name} =\n${lines.join(' +\n')};\n`;

  const outPath = join(root, m.out);
  let old = null;
  try {
    old = readFileSync(outPath, 'utf8');
  } catch {
    // not generated yet
  }
  if (check) {
    if (old !== text) {
      console.error(`${m.out} is out of date with ${m.wat}; run node scripts/build-wasm.mjs`);
      stale++;
    }
  } else if (old !== text) {
    writeFileSync(outPath, text);
    console.log(`wrote ${m.out} (${bytes.length} bytes of wasm)`);
  } else {
    console.log(`${m.out} is up to date (${bytes.length} bytes of wasm)`);
  }
}
if (stale) process.exit(1);

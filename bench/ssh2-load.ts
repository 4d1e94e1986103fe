/**
 * The ssh2 package as installed, or as it runs without its optional native crypto binding.
 *
 * ssh2 compiles `sshcrypto.node` at install when a compiler is there (it is here, and in CI):
 * its AES-GCM and chacha20-poly1305 then run in C++ with reused OpenSSL contexts. Without the
 * binding (no compiler, or a platform it does not build on) ssh2 is pure JavaScript on node:crypto,
 * as hush is. The benchmark measures both: the "pure JS" copy is the installed package with the
 * binding's build directory left out, next to it in node_modules so its own dependencies resolve.
 */
import { cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { Ssh2Lib } from './ssh2-types.js';

const require = createRequire(import.meta.url);

/** 'installed': the package as npm left it (with the binding when it was built); 'pure-js': without it. */
export type Ssh2Flavour = 'installed' | 'pure-js';

/** Where the copy without the binding lives (made on first use). */
function pureJsCopy(): string {
  const pkg = dirname(require.resolve('ssh2/package.json'));
  const copy = join(dirname(pkg), '.ssh2-pure-js');
  if (!existsSync(join(copy, 'package.json'))) {
    const build = `${sep}lib${sep}protocol${sep}crypto${sep}build`;
    cpSync(pkg, copy, { recursive: true, filter: (src) => !src.slice(pkg.length).startsWith(build) });
  }
  return copy;
}

/** The package's module path for this flavour (for a child process that loads it itself). */
export function ssh2Path(flavour: Ssh2Flavour): string {
  return flavour === 'installed' ? dirname(require.resolve('ssh2/package.json')) : pureJsCopy();
}

/** The installed package's version. */
export const SSH2_VERSION = (require('ssh2/package.json') as { version: string }).version;

/** Whether this flavour of ssh2 runs its crypto in the native binding. */
export function ssh2UsesBinding(flavour: Ssh2Flavour): boolean {
  return (require(join(ssh2Path(flavour), 'lib', 'protocol', 'crypto.js')) as { bindingAvailable: boolean }).bindingAvailable;
}

/** Loads ssh2; the pure-JS flavour is checked to really be without the binding. */
export function loadSsh2(flavour: Ssh2Flavour): Ssh2Lib {
  const lib = require(ssh2Path(flavour)) as Ssh2Lib;
  if (flavour === 'pure-js' && ssh2UsesBinding(flavour)) throw new Error('ssh2 pure JS: the native binding was loaded anyway');
  return lib;
}

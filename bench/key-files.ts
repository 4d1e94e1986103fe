/** The files a benchmark's servers and clients share: a client key, a host key, authorized_keys. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchKeyFiles {
  /** A fresh temp directory holding them (the caller removes it). */
  dir: string;
  /** The client's ed25519 private key (OpenSSH format, no passphrase). */
  keyPath: string;
  /** Its public line, "ssh-ed25519 AAAA... comment". */
  line: string;
  /** An ed25519 host key (OpenSSH format). */
  hostKey: string;
  /** authorized_keys holding `line`. */
  ak: string;
}

export function benchKeyFiles(prefix: string): BenchKeyFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const keyPath = join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
  const hostKey = join(dir, 'host');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const line = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  const ak = join(dir, 'authorized_keys');
  writeFileSync(ak, `${line}\n`, { mode: 0o600 });
  return { dir, keyPath, line, hostKey, ak };
}

// Helpers for comparing hush's configuration resolution with the installed OpenSSH: the
// algorithm tables of this ssh/sshd build (so + - ^ resolve against the same lists), and
// line-by-line comparison of `ssh -G` / `sshd -T` output restricted to the keywords hush supports.
import assert from 'node:assert/strict';
import { findBinary, runClient, type RunResult } from '../harness/peers.js';
import type { AlgorithmLists, AlgorithmTables } from '../../src/config/index.js';

const NO_INSECURE: AlgorithmLists = { kex: [], cipher: [], mac: [], hostKey: [] };

async function must(cmd: string, args: readonly string[]): Promise<RunResult> {
  const r = await runClient(findBinary(cmd)!, args, { timeoutMs: 15_000 });
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function query(kind: string): Promise<string[]> {
  return (await must('ssh', ['-Q', kind])).stdout.trim().split('\n');
}

function listOf(out: string, keyword: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(`${keyword} `));
  assert.ok(line, `no ${keyword} line in:\n${out}`);
  return line.slice(keyword.length + 1).split(',');
}

async function supported(): Promise<AlgorithmLists> {
  return { kex: await query('kex'), cipher: await query('cipher'), mac: await query('mac'), hostKey: await query('HostKeyAlgorithms') };
}

/** The client's defaults (ssh -G with no configuration) and everything this build implements. */
export async function opensshClientTables(): Promise<AlgorithmTables> {
  const g = (await must('ssh', ['-G', '-F', 'none', 'tables.invalid'])).stdout;
  return {
    defaults: { kex: listOf(g, 'kexalgorithms'), cipher: listOf(g, 'ciphers'), mac: listOf(g, 'macs'), hostKey: listOf(g, 'hostkeyalgorithms') },
    supported: await supported(),
    insecure: NO_INSECURE,
  };
}

/** The server's defaults (sshd -T with only a host key) and everything this build implements. */
export async function opensshServerTables(configWithHostKey: string): Promise<AlgorithmTables> {
  const t = (await must('sshd', ['-T', '-f', configWithHostKey])).stdout;
  return {
    defaults: { kex: listOf(t, 'kexalgorithms'), cipher: listOf(t, 'ciphers'), mac: listOf(t, 'macs'), hostKey: listOf(t, 'hostkeyalgorithms') },
    supported: await supported(),
    insecure: NO_INSECURE,
  };
}

/** The lines of `output` whose keyword is in `keywords`, in order. */
export function keep(output: string, keywords: ReadonlySet<string>): string[] {
  return output
    .split('\n')
    .filter((l) => l !== '' && keywords.has(l.split(' ')[0]!));
}

/** Line numbers OpenSSH reported in its error output ("file line 12: ..."). */
export function reportedLines(stderr: string): number[] {
  return [...stderr.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
}

/** Every keyword formatSshConfigG can print. */
export const SSH_G_KEYWORDS: ReadonlySet<string> = new Set([
  'host',
  'user',
  'hostname',
  'port',
  'addressfamily',
  'batchmode',
  'checkhostip',
  'compression',
  'hashknownhosts',
  'identitiesonly',
  'kbdinteractiveauthentication',
  'passwordauthentication',
  'pubkeyauthentication',
  'requesttty',
  'stricthostkeychecking',
  'connectionattempts',
  'numberofpasswordprompts',
  'serveralivecountmax',
  'serveraliveinterval',
  'bindaddress',
  'ciphers',
  'hostkeyalgorithms',
  'hostkeyalias',
  'identityagent',
  'ignoreunknown',
  'kexalgorithms',
  'loglevel',
  'macs',
  'preferredauthentications',
  'dynamicforward',
  'localforward',
  'remoteforward',
  'identityfile',
  'globalknownhostsfile',
  'userknownhostsfile',
  'sendenv',
  'setenv',
  'forwardagent',
  'connecttimeout',
  'escapechar',
  'rekeylimit',
  'proxyjump',
  'proxycommand',
]);

/** Every keyword formatSshdConfigT can print. */
export const SSHD_T_KEYWORDS: ReadonlySet<string> = new Set([
  'port',
  'addressfamily',
  'listenaddress',
  'logingracetime',
  'maxauthtries',
  'maxsessions',
  'clientaliveinterval',
  'clientalivecountmax',
  'permitrootlogin',
  'pubkeyauthentication',
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'permittty',
  'ciphers',
  'macs',
  'banner',
  'forcecommand',
  'kexalgorithms',
  'hostkeyalgorithms',
  'loglevel',
  'authorizedkeysfile',
  'hostkey',
  'allowusers',
  'denyusers',
  'allowgroups',
  'denygroups',
  'strictmodes',
  'permituserenvironment',
  'tcpkeepalive',
  'acceptenv',
  'setenv',
  'subsystem',
  'maxstartups',
  'rekeylimit',
]);

/** A small deterministic generator (LCG) for the seeded random-configuration tests. */
export function seeded(seed: number): { rnd: () => number; pick: <T>(a: readonly T[]) => T } {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return { rnd, pick: <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]! };
}

/**
 * `sshd -T` output (servconf.c dump_config()) for the keywords hushd supports: the same
 * lower-case keywords, value spellings and order.
 */
import { DEFAULT_ALGORITHMS } from '../algorithms/registry.js';
import type { AlgorithmPreferences } from '../transport/config.js';
import { hasInsecure, HUSH_ALGORITHM_TABLES } from './algorithms.js';
import type { PermitRootLogin, SshdEffectiveConfig } from './sshd-config.js';
import { logLevelName } from './values.js';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** sshd prints the first name its table gives a value: `without-password` for prohibit-password. */
const PERMIT_ROOT_NAME: Readonly<Record<PermitRootLogin, string>> = {
  'prohibit-password': 'without-password',
  'forced-commands-only': 'forced-commands-only',
  yes: 'yes',
  no: 'no',
};

/** The configuration as `sshd -T` prints it (one `keyword value` per line, trailing newline). */
export function formatSshdConfigT(c: SshdEffectiveConfig): string {
  const l: string[] = [];
  const add = (k: string, v: string | number): void => {
    l.push(`${k} ${v}`);
  };
  for (const p of c.ports) add('port', p);
  add('addressfamily', c.addressFamily);
  for (const a of c.listenAddresses) add('listenaddress', a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);
  add('logingracetime', c.loginGraceTime);
  add('maxauthtries', c.maxAuthTries);
  add('maxsessions', c.maxSessions);
  add('clientaliveinterval', c.clientAliveInterval);
  add('clientalivecountmax', c.clientAliveCountMax);
  add('permitrootlogin', PERMIT_ROOT_NAME[c.permitRootLogin]);
  add('pubkeyauthentication', yesNo(c.pubkeyAuthentication));
  add('passwordauthentication', yesNo(c.passwordAuthentication));
  add('kbdinteractiveauthentication', yesNo(c.kbdInteractiveAuthentication));
  add('permittty', yesNo(c.permitTty));
  add('strictmodes', yesNo(c.strictModes));
  add('tcpkeepalive', yesNo(c.tcpKeepAlive));
  add('ciphers', c.ciphers.join(','));
  add('macs', c.macs.join(','));
  add('banner', c.banner ?? 'none');
  add('forcecommand', c.forceCommand ?? 'none');
  add('kexalgorithms', c.kexAlgorithms.join(','));
  add('hostkeyalgorithms', c.hostKeyAlgorithms.join(','));
  add('loglevel', logLevelName(c.logLevel));
  if (c.authorizedKeysFiles.length > 0) add('authorizedkeysfile', c.authorizedKeysFiles.join(' '));
  for (const k of c.hostKeys) add('hostkey', k);
  for (const u of c.allowUsers) add('allowusers', u);
  for (const u of c.denyUsers) add('denyusers', u);
  for (const g of c.allowGroups) add('allowgroups', g);
  for (const g of c.denyGroups) add('denygroups', g);
  for (const e of c.acceptEnv) add('acceptenv', e);
  for (const e of c.setEnv) add('setenv', `${e.name}=${e.value}`);
  for (const s of c.subsystems) add('subsystem', `${s.name} ${s.commandLine}`);
  add('maxstartups', `${c.maxStartups.begin}:${c.maxStartups.rate}:${c.maxStartups.full}`);
  add('rekeylimit', `${c.rekeyLimit.bytes} ${c.rekeyLimit.seconds}`);
  add('permituserenvironment', typeof c.permitUserEnvironment === 'boolean' ? yesNo(c.permitUserEnvironment) : c.permitUserEnvironment.join(','));
  add('workers', c.workers); // hushd's own keyword (sshd has none)
  return `${l.join('\n')}\n`;
}

/** The transport algorithm preferences for hushd; `allowInsecure` when the file named a weak algorithm. */
export function serverAlgorithmPreferences(c: SshdEffectiveConfig): { algorithms: AlgorithmPreferences; allowInsecure: boolean } {
  const t = HUSH_ALGORITHM_TABLES;
  const allowInsecure =
    hasInsecure('kex', c.kexAlgorithms, t) ||
    hasInsecure('cipher', c.ciphers, t) ||
    hasInsecure('mac', c.macs, t) ||
    hasInsecure('hostKey', c.hostKeyAlgorithms, t);
  return {
    algorithms: { kex: c.kexAlgorithms, hostKey: c.hostKeyAlgorithms, cipher: c.ciphers, mac: c.macs, compression: DEFAULT_ALGORITHMS.compression },
    allowInsecure,
  };
}

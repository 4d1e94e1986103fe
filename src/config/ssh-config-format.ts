/**
 * `ssh -G` output (readconf.c dump_client_config()) for the keywords hush supports: the same
 * lower-case keywords, value spellings (`true`/`false` where ssh prints them) and order.
 */
import { SUPPORTED_ALGORITHMS } from '../algorithms/registry.js';
import type { AlgorithmPreferences } from '../transport/config.js';
import { hasInsecure, HUSH_ALGORITHM_TABLES } from './algorithms.js';
import { formatForwardSide, type Forward } from './forward.js';
import type { SshClientConfig } from './ssh-config.js';
import { logLevelName } from './values.js';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

const STRICT_NAME = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' } as const;
const TTY_NAME = { yes: 'true', no: 'false', force: 'force', auto: 'auto' } as const;
const PUBKEY_NAME = { yes: 'true', no: 'false', unbound: 'unbound', 'host-bound': 'host-bound' } as const;

/** vis(3) with VIS_WHITE, as ssh -G prints EscapeChar. */
function visChar(code: number): string {
  const visible = (code >= 0x21 && code <= 0x7e) || false;
  if (visible) return code === 0x5c ? '\\\\' : String.fromCharCode(code);
  if ((code & 0x7f) === 0x20) return `\\${((code >> 6) & 7).toString()}${((code >> 3) & 7).toString()}${(code & 7).toString()}`;
  let out = '\\';
  let c = code;
  if (c & 0x80) {
    c &= 0x7f;
    out += 'M';
  }
  if (c < 0x20 || c === 0x7f) out += `^${c === 0x7f ? '?' : String.fromCharCode(c + 64)}`;
  else out += `-${String.fromCharCode(c)}`;
  return out;
}

function forwardLines(keyword: string, list: readonly Forward[], which: 'dynamic' | 'local' | 'remote'): string[] {
  const out: string[] = [];
  for (const f of list) {
    // ssh's filters, quirks included: a local forward to a socket path (no connect host)
    // also shows up under dynamicforward.
    if (which === 'dynamic' && f.connectHost !== undefined && f.connectHost !== 'socks') continue;
    if (which === 'local' && f.connectHost === 'socks') continue;
    let line = `${keyword} ${formatForwardSide(f.listenHost, f.listenPort, f.listenPath)}`;
    if (which !== 'dynamic') line += ` ${formatForwardSide(f.connectHost, f.connectPort, f.connectPath)}`;
    out.push(line);
  }
  return out;
}

/** The configuration as `ssh -G host` prints it (one `keyword value` per line, trailing newline). */
export function formatSshConfigG(c: SshClientConfig): string {
  const l: string[] = [];
  const add = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) l.push(`${k} ${v}`);
  };
  add('host', c.host);
  add('user', c.user);
  add('hostname', c.hostName);
  add('port', c.port);
  add('addressfamily', c.addressFamily);
  add('batchmode', yesNo(c.batchMode));
  add('checkhostip', yesNo(c.checkHostIp));
  add('compression', yesNo(c.compression));
  add('hashknownhosts', yesNo(c.hashKnownHosts));
  add('identitiesonly', yesNo(c.identitiesOnly));
  add('kbdinteractiveauthentication', yesNo(c.kbdInteractiveAuthentication));
  add('passwordauthentication', yesNo(c.passwordAuthentication));
  add('pubkeyauthentication', PUBKEY_NAME[c.pubkeyAuthentication]);
  add('requesttty', TTY_NAME[c.requestTty]);
  add('stricthostkeychecking', STRICT_NAME[c.strictHostKeyChecking]);
  add('tcpkeepalive', yesNo(c.tcpKeepAlive));
  add('connectionattempts', c.connectionAttempts);
  add('numberofpasswordprompts', c.numberOfPasswordPrompts);
  add('serveralivecountmax', c.serverAliveCountMax);
  add('serveraliveinterval', c.serverAliveInterval);
  add('bindaddress', c.bindAddress);
  add('ciphers', c.ciphers.join(','));
  add('hostkeyalgorithms', c.hostKeyAlgorithms.join(','));
  add('hostkeyalias', c.hostKeyAlias);
  add('identityagent', c.identityAgent);
  add('ignoreunknown', c.ignoreUnknown);
  add('kexalgorithms', c.kexAlgorithms.join(','));
  add('loglevel', logLevelName(c.logLevel));
  add('macs', c.macs.join(','));
  add('preferredauthentications', c.preferredAuthentications?.join(','));
  l.push(...forwardLines('dynamicforward', c.localForwards, 'dynamic'));
  l.push(...forwardLines('localforward', c.localForwards, 'local'));
  l.push(...forwardLines('remoteforward', c.remoteForwards, 'remote'));
  for (const f of c.identityFiles) add('identityfile', f.configured);
  add('globalknownhostsfile', c.printed.globalKnownHostsFiles.length === 0 ? 'none' : c.printed.globalKnownHostsFiles.join(' '));
  add('userknownhostsfile', c.userKnownHostsFiles.length === 0 ? 'none' : c.userKnownHostsFiles.join(' '));
  for (const e of c.sendEnv) add('sendenv', e);
  for (const e of c.setEnv) add('setenv', `${e.name}=${e.value}`);
  add('forwardagent', c.forwardAgentPath ?? yesNo(c.forwardAgent));
  add('connecttimeout', c.connectTimeout ?? 'none');
  add('escapechar', c.escapeChar === undefined ? 'none' : visChar(c.escapeChar.charCodeAt(0)));
  add('rekeylimit', `${c.rekeyLimit.bytes} ${c.rekeyLimit.seconds}`);
  if (c.printed.proxyJump !== undefined) add('proxyjump', c.printed.proxyJump);
  else add('proxycommand', c.proxyCommand);
  return `${l.join('\n')}\n`;
}

/**
 * The transport algorithm preferences a resolved configuration asks for. `allowInsecure` is
 * set when the configuration named a weak algorithm itself (wildcards never select one).
 */
export function clientAlgorithmPreferences(c: SshClientConfig): { algorithms: AlgorithmPreferences; allowInsecure: boolean } {
  const t = HUSH_ALGORITHM_TABLES;
  const compression = (c.compression ? ['zlib@openssh.com', 'zlib', 'none'] : ['none', 'zlib@openssh.com', 'zlib']).filter((n) =>
    SUPPORTED_ALGORITHMS.compression.includes(n),
  );
  const allowInsecure =
    hasInsecure('kex', c.kexAlgorithms, t) ||
    hasInsecure('cipher', c.ciphers, t) ||
    hasInsecure('mac', c.macs, t) ||
    hasInsecure('hostKey', c.hostKeyAlgorithms, t);
  return {
    algorithms: { kex: c.kexAlgorithms, hostKey: c.hostKeyAlgorithms, cipher: c.ciphers, mac: c.macs, compression },
    allowInsecure,
  };
}

/**
 * One connection as ssh makes it from a resolved ssh_config: the stream (TCP, ProxyCommand, or a
 * direct-tcpip channel through the ProxyJump hosts), the host key check, the credentials, and
 * ssh's -v lines for every step (connect, versions, kex, host key, authentication).
 */
import { DEFAULT_ALGORITHMS } from '../../algorithms/registry.js';
import { clientAlgorithmPreferences, type SshClientConfig } from '../../config/index.js';
import { percentExpand } from '../../config/values.js';
import { encodeDirectTcpip } from '../../connection/channel-types.js';
import type { ClientEngineEvent } from '../../engine/client.js';
import { SshError } from '../../errors.js';
import { knownHostsName } from '../../keys/knownhosts/index.js';
import { connect, type Client } from '../../node/client.js';
import { loadSshConfig } from '../../node/config-loader.js';
import { HUSH_VERSION } from '../../version.js';
import { dialProxyCommand, dialTcp, DialError, type Dialed } from './dial.js';
import { hostKeyChecker, HostKeyVerificationFailed } from './host-keys.js';
import { buildIdentities, type Identity } from './identities.js';
import type { Logger } from './log.js';
import { haveTty, ttyPrompt } from './tty.js';

export interface EstablishOptions {
  readonly config: SshClientConfig;
  readonly log: Logger;
  /** -F (for the jump hosts' own configuration). */
  readonly configFile?: string;
  /** -i paths, for the "not accessible" warning. */
  readonly commandLineIdentities: readonly string[];
  /** ProxyJump nesting, to stop a configuration that jumps through itself. */
  readonly depth?: number;
}

export interface Established {
  readonly client: Client;
  readonly config: SshClientConfig;
  readonly counters?: () => { sent: number; received: number };
  /** Sees the engine's events from now on (exit-status requests for the session, ...). */
  onEvent(listener: (ev: ClientEngineEvent) => void): void;
  /** Closes the client and whatever it runs over (jump hosts, proxy command). */
  close(): Promise<void>;
}

/** A failure ssh would report in one line and exit 255 with. */
export class ConnectFailure extends Error {}

const MAX_JUMP_DEPTH = 8;

function ciphersLine(dir: string, cipher: string, mac: string | null, compression: string): string {
  return `kex: ${dir} cipher: ${cipher} MAC: ${mac ?? '<implicit>'} compression: ${compression}`;
}

/** The debug lines ssh prints for the engine's events. */
function eventLogger(log: Logger, identities: readonly Identity[], who: { host: string; addressLabel: string; port: number }) {
  let lastMethod = '';
  let nextKey = 0;
  let offered: Identity | undefined;
  const pubkeys = identities.filter((i) => i.credential.method === 'publickey');
  return (ev: ClientEngineEvent): void => {
    switch (ev.type) {
      case 'version':
        log.debug1(`Remote protocol version ${ev.version.protoVersion}, remote software version ${ev.version.softwareVersion}${ev.version.comments ? ` ${ev.version.comments}` : ''}`);
        return;
      case 'kex': {
        const a = ev.algorithms;
        if (!ev.initial) log.debug1('SSH2_MSG_KEXINIT sent (rekey)');
        log.debug1(`kex: algorithm: ${a.kex}`);
        log.debug1(`kex: host key algorithm: ${a.hostKey}`);
        log.debug1(ciphersLine('server->client', a.cipherServerToClient, a.macServerToClient, a.compressionServerToClient));
        log.debug1(ciphersLine('client->server', a.cipherClientToServer, a.macClientToServer, a.compressionClientToServer));
        if (ev.strict) log.debug2('kex: strict key exchange (kex-strict-s-v00@openssh.com)');
        return;
      }
      case 'extInfo': {
        for (const [name, value] of ev.extensions) log.debug1(`kex_input_ext_info: ${name}=<${new TextDecoder().decode(value)}>`);
        return;
      }
      case 'banner':
        log.info(ev.message.replace(/\r?\n$/, ''));
        return;
      case 'debug':
        if (ev.alwaysDisplay) log.info(`Remote: ${ev.message}`);
        else log.debug1(`Remote: ${ev.message}`);
        return;
      case 'instruction':
        if (ev.name) log.info(ev.name);
        if (ev.instruction) log.info(ev.instruction.replace(/\n$/, ''));
        return;
      case 'refused':
        if (ev.partialSuccess) log.verbose(`Authenticated using "${ev.method}" with partial success.`);
        log.debug1(`Authentications that can continue: ${ev.methods.join(',')}`);
        return;
      case 'skipped':
        log.debug1(`${ev.method}: ${ev.detail}`);
        return;
      case 'attempt': {
        if (ev.method === 'none') return;
        if (ev.method !== lastMethod) {
          lastMethod = ev.method;
          log.debug1(`Next authentication method: ${ev.method}`);
        }
        if (ev.method === 'publickey') {
          // A queried key is offered, then accepted (PK_OK); a key held here is offered signed.
          if (ev.detail.endsWith('key query') || ev.detail.endsWith('key with signature')) {
            offered = pubkeys[nextKey++];
            log.debug1(`Offering public key: ${offered?.label ?? ev.detail}`);
          } else log.debug1(`Server accepts key: ${offered?.label ?? ev.detail}`);
        }
        return;
      }
      case 'authenticated':
        log.verbose(`Authenticated to ${who.host} (${who.addressLabel}) using "${ev.method}".`);
        return;
      default:
        return;
    }
  };
}

/** Opens a direct-tcpip channel (RFC 4254 §7.2) to host:port through `via`, as `ssh -W` does. */
async function directTcpip(via: Client, host: string, port: number, log: Logger): Promise<Dialed> {
  log.debug1(`channel: new direct-tcpip to ${host}:${port}`);
  let stream;
  try {
    stream = await via.openChannel('direct-tcpip', encodeDirectTcpip({ host, port, originatorAddress: '127.0.0.1', originatorPort: 0 }));
  } catch (e) {
    throw new DialError(`channel 0: open failed: ${(e as Error).message.replace(/^the server refused to open the channel: /, '')} (connecting to ${host} port ${port} through the jump host)`);
  }
  return { stream, close: () => stream.destroy() };
}

/** Connects to every ProxyJump hop in turn; the last one carries the connection to the target. */
async function jumpThrough(o: EstablishOptions, depth: number): Promise<{ via: Established }> {
  const hops = o.config.proxyJump ?? [];
  let via: Established | undefined;
  for (const hop of hops) {
    let config = loadSshConfig({
      host: hop.host,
      ...(hop.user !== undefined ? { user: hop.user } : {}),
      ...(hop.port !== undefined ? { port: hop.port } : {}),
      ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
    });
    // A hop after the first is reached through the one before it, whatever its own configuration says.
    if (via !== undefined) {
      const { proxyJump: _j, proxyCommand: _c, ...rest } = config;
      config = rest;
    }
    const hopVia: Established | undefined = via;
    via = await establish({ ...o, config, depth: depth + 1 }, hopVia);
  }
  if (via === undefined) throw new ConnectFailure('ProxyJump names no host');
  return { via };
}

/**
 * Connects and authenticates as `o.config` says. `via`: reach the server through this
 * connection (direct-tcpip) instead of the configuration's own ProxyJump/ProxyCommand/TCP.
 */
export async function establish(o: EstablishOptions, via?: Established): Promise<Established> {
  const c = o.config;
  const log = o.log;
  const depth = o.depth ?? 0;
  if (depth > MAX_JUMP_DEPTH) throw new ConnectFailure(`too many ProxyJump hops (does the jump host's configuration jump through itself?)`);

  let dialed: Dialed;
  let jump: Established | undefined = via;
  if (via !== undefined) dialed = await directTcpip(via.client, c.hostName, c.port, log);
  else if (c.proxyJump !== undefined && c.proxyJump.length > 0) {
    jump = (await jumpThrough(o, depth)).via;
    dialed = await directTcpip(jump.client, c.hostName, c.port, log);
  } else if (c.proxyCommand !== undefined) {
    let command: string;
    try {
      command = percentExpand(c.proxyCommand, { h: c.hostName, p: String(c.port), r: c.user, n: c.host });
    } catch (e) {
      throw new ConnectFailure(`ProxyCommand ${c.proxyCommand}: ${(e as Error).message}`);
    }
    dialed = dialProxyCommand(command, log);
  } else {
    dialed = await dialTcp({
      host: c.hostName,
      port: c.port,
      family: c.addressFamily,
      ...(c.bindAddress !== undefined ? { bindAddress: c.bindAddress } : {}),
      ...(c.connectTimeout !== undefined ? { connectTimeout: c.connectTimeout } : {}),
      attempts: c.connectionAttempts,
      keepAlive: c.tcpKeepAlive,
      log,
    });
  }

  const keyHost = c.hostKeyAlias ?? c.hostName;
  const keyPort = c.hostKeyAlias !== undefined ? 0 : c.port;
  const addressLabel = dialed.address !== undefined ? knownHostsName(dialed.address, c.port) : '<no hostip for proxy command>';
  const authLabel = dialed.address !== undefined ? `[${dialed.address}]:${c.port}` : 'via proxy';
  const canPrompt = haveTty();
  const prompt = (text: string, echo = true): string | undefined => (canPrompt ? ttyPrompt(text, echo) : undefined);

  log.debug1(`Local version string SSH-2.0-hush_${HUSH_VERSION}`);
  const checker = hostKeyChecker({
    host: keyHost,
    port: keyPort,
    addressLabel,
    strict: c.strictHostKeyChecking,
    userFiles: c.userKnownHostsFiles,
    globalFiles: c.globalKnownHostsFiles,
    hash: c.hashKnownHosts,
    batchMode: c.batchMode,
    log,
    prompt: (t) => prompt(t, true),
  });
  const identities = await buildIdentities({
    config: c,
    host: keyHost,
    commandLineIdentities: o.commandLineIdentities,
    log,
    prompt,
    canPrompt,
  });
  const prefs = clientAlgorithmPreferences(c);
  // ssh puts the key types known_hosts holds for this host first, unless HostKeyAlgorithms was set.
  const defaultHostKeys = c.hostKeyAlgorithms.join(',') === DEFAULT_ALGORITHMS.hostKey.join(',');
  const hostKey = defaultHostKeys ? checker.preferAlgorithms(c.hostKeyAlgorithms) : [...c.hostKeyAlgorithms];
  log.debug1(`Authenticating to ${c.hostName}:${c.port} as '${c.user}'`);

  const listeners: Array<(ev: ClientEngineEvent) => void> = [];
  const logEvent = eventLogger(log, identities.list, { host: c.hostName, addressLabel: authLabel, port: c.port });
  let client: Client;
  try {
    client = await connect({
      host: c.hostName,
      port: c.port,
      username: c.user,
      sock: dialed.stream,
      credentials: identities.list.map((i) => i.credential),
      hostKey: (blob) => checker.verify(blob),
      transport: {
        algorithms: { ...prefs.algorithms, hostKey },
        allowInsecure: prefs.allowInsecure,
        // Answering the host key question may take a person a while: no handshake deadline.
        handshakeTimeoutMs: 0,
        ...(c.rekeyLimit.bytes > 0n ? { rekeyBytes: Number(c.rekeyLimit.bytes) } : {}),
        ...(c.rekeyLimit.seconds > 0 ? { rekeyIntervalMs: c.rekeyLimit.seconds * 1000 } : {}),
      },
      readyTimeoutMs: 2 ** 31 - 1,
      keepaliveIntervalMs: c.serverAliveInterval * 1000,
      keepaliveCountMax: c.serverAliveCountMax,
      onEvent: (ev) => {
        logEvent(ev);
        for (const l of listeners) l(ev);
      },
    });
  } catch (e) {
    identities.close();
    dialed.close();
    await jump?.close();
    throw describeFailure(e, c, dialed, keyHost);
  }
  identities.close();
  return {
    client,
    config: c,
    ...(dialed.counters !== undefined ? { counters: dialed.counters } : {}),
    onEvent: (l) => listeners.push(l),
    close: async () => {
      await client.close();
      dialed.close();
      await jump?.close();
    },
  };
}

/** ssh's one-line reasons for a connection that did not get as far as a session. */
function describeFailure(e: unknown, c: SshClientConfig, dialed: Dialed, keyHost: string): Error {
  if (e instanceof HostKeyVerificationFailed) return new ConnectFailure('Host key verification failed.');
  if (e instanceof DialError || e instanceof ConnectFailure) return e;
  const where = dialed.address !== undefined ? `${dialed.address} port ${c.port}` : `${c.hostName} port ${c.port}`;
  if (e instanceof SshError) {
    switch (e.code) {
      case 'ERR_HOST_KEY_REJECTED':
        return new ConnectFailure('Host key verification failed.');
      case 'ERR_AUTH_FAILED':
        return new ConnectFailure(`${c.user}@${keyHost}: ${e.message}.`);
      case 'ERR_KEX_NEGOTIATION':
        return new ConnectFailure(`Unable to negotiate with ${where}: ${e.message}`);
      case 'ERR_CONNECTION_LOST':
        return new ConnectFailure(`Connection closed by ${where}`);
      case 'ERR_PEER_DISCONNECTED':
        return new ConnectFailure(`Received disconnect from ${where}: ${e.message}`);
      default:
        return new ConnectFailure(`${e.message} (${where})`);
    }
  }
  return new ConnectFailure(String((e as Error)?.message ?? e));
}

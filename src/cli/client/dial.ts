/**
 * The byte stream to the server, as ssh opens it (sshconnect.c): a TCP connection to each
 * address of HostName in turn (AddressFamily, BindAddress, ConnectTimeout, ConnectionAttempts),
 * or a ProxyCommand's stdin/stdout. Failures are DialErrors whose message is ssh's line
 * ("connect to host example.com port 22: Connection refused").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { AddressFamily } from '../../config/index.js';
import type { Logger } from './log.js';

export class DialError extends Error {}

/** strerror() words for the errno codes a connect or lookup fails with. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNRESET: 'Connection reset by peer',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  ENODATA: 'No address associated with hostname',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
};

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? STRERROR[code] : undefined) ?? (e as Error).message;
}

export interface TcpOptions {
  readonly host: string;
  readonly port: number;
  readonly family: AddressFamily;
  readonly bindAddress?: string;
  /** Seconds; undefined: the system's timeout. */
  readonly connectTimeout?: number;
  readonly attempts: number;
  /** TCPKeepAlive: SO_KEEPALIVE once connected. */
  readonly keepAlive?: boolean;
  readonly log: Logger;
}

export interface Dialed {
  readonly stream: Duplex;
  /** The address connected to, when there is one (not through a proxy). */
  readonly address?: string;
  /** Bytes on the wire so far (for -v's "Transferred:" line). */
  readonly counters?: () => { sent: number; received: number };
  /** Ends what the stream depends on (a proxy command). */
  close(): void;
}

function connectOnce(address: string, o: TcpOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: address, port: o.port, ...(o.bindAddress !== undefined ? { localAddress: o.bindAddress } : {}) });
    let timer: NodeJS.Timeout | undefined;
    if (o.connectTimeout !== undefined && o.connectTimeout > 0) {
      timer = setTimeout(() => {
        const e = Object.assign(new Error('Connection timed out'), { code: 'ETIMEDOUT' });
        s.destroy();
        reject(e);
      }, o.connectTimeout * 1000);
    }
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      if (o.keepAlive) s.setKeepAlive(true);
      resolve(s);
    });
  });
}

/** ssh_connect_direct(): every address, ConnectionAttempts times, one second apart. */
export async function dialTcp(o: TcpOptions): Promise<Dialed> {
  const family = o.family === 'inet' ? 4 : o.family === 'inet6' ? 6 : 0;
  let addresses: string[];
  if (isIP(o.host) !== 0) addresses = [o.host];
  else {
    try {
      addresses = (await lookup(o.host, { all: true, family, verbatim: true })).map((a) => a.address);
    } catch (e) {
      throw new DialError(`Could not resolve hostname ${o.host}: ${strerror(e)}`);
    }
  }
  let last: unknown;
  for (let attempt = 0; attempt < Math.max(1, o.attempts); attempt++) {
    if (attempt > 0) {
      o.log.debug1(`Trying again...`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const address of addresses) {
      o.log.debug1(`Connecting to ${o.host} [${address}] port ${o.port}.`);
      try {
        const socket = await connectOnce(address, o);
        o.log.debug1('Connection established.');
        return {
          stream: socket,
          address,
          counters: () => ({ sent: socket.bytesWritten, received: socket.bytesRead }),
          close: () => socket.destroy(),
        };
      } catch (e) {
        last = e;
        o.log.debug1(`connect to address ${address} port ${o.port}: ${strerror(e)}`);
      }
    }
  }
  throw new DialError(`connect to host ${o.host} port ${o.port}: ${strerror(last)}`);
}

/** ProxyCommand: `$SHELL -c "exec command"`, its stdin and stdout as the connection. */
export function dialProxyCommand(command: string, log: Logger): Dialed {
  const shell = process.env['SHELL'] || '/bin/sh';
  const line = `exec ${command}`;
  log.debug1(`Executing proxy command: ${line}`);
  let child: ChildProcess;
  try {
    child = spawn(shell, ['-c', line], { stdio: ['pipe', 'pipe', 'inherit'] });
  } catch (e) {
    throw new DialError(`proxy command: ${(e as Error).message}`);
  }
  const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  child.once('error', (e) => stream.destroy(e));
  child.stdin!.on('error', () => {}); // EPIPE once the command exits: the readable side reports the end
  return {
    stream,
    close: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGHUP');
    },
  };
}

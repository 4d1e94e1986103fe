/**
 * Protocol version exchange, RFC 4253 §4.2 (sans-I/O, incremental).
 *
 * "SSH-protoversion-softwareversion SP comments CR LF", at most 255 bytes including CR LF.
 * A server may send other lines first; a client may not (OpenSSH's sshd refuses them too).
 * "SSH-1.99" means a server that also speaks 2.0 (RFC 4253 §5.1), so it is accepted.
 */
import { DisconnectReason, SshError } from '../errors.js';

export const MAX_VERSION_LINE = 255;
/** Bound on pre-version lines a server may send (OpenSSH allows 1024). */
export const MAX_PRE_VERSION_LINES = 1024;

export interface PeerVersion {
  /** The whole identification line without CR LF, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2". Used in the exchange hash. */
  line: string;
  protoVersion: string;
  softwareVersion: string;
  comments: string;
}

function versionError(message: string): SshError {
  return new SshError('ERR_VERSION', message, { reason: DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED });
}

export function formatVersionLine(softwareVersion: string, comments?: string): string {
  const line = `SSH-2.0-${softwareVersion}${comments ? ` ${comments}` : ''}`;
  if (line.length + 2 > MAX_VERSION_LINE) throw new SshError('ERR_STATE', 'our version line is too long');
  if (/[\s-]/.test(softwareVersion) || /[^\x20-\x7e]/.test(line)) {
    throw new SshError('ERR_STATE', 'software version must be printable US-ASCII without spaces or minus signs');
  }
  return line;
}

export function parseVersionLine(line: string): PeerVersion {
  const m = /^SSH-([^-\s]+)-([^\s]+)(?: (.*))?$/.exec(line);
  if (!m) throw versionError(`malformed identification line ${JSON.stringify(line.slice(0, 80))}`);
  const protoVersion = m[1]!;
  if (protoVersion !== '2.0' && protoVersion !== '1.99') {
    throw versionError(`peer speaks SSH protocol ${protoVersion}, only 2.0 is supported`);
  }
  return { line, protoVersion, softwareVersion: m[2]!, comments: m[3] ?? '' };
}

/**
 * Consumes bytes until the peer's identification line has been seen.
 * `push` returns the number of bytes consumed; bytes after the version line belong to the packet layer.
 */
export class VersionReader {
  private line: number[] = [];
  private preLines = 0;
  private result: PeerVersion | undefined;
  readonly preamble: string[] = [];

  constructor(private readonly allowPreamble: boolean) {}

  get version(): PeerVersion | undefined {
    return this.result;
  }

  push(data: Uint8Array): number {
    let i = 0;
    while (i < data.length && !this.result) {
      const c = data[i++]!;
      if (c === 0x0a) {
        this.endLine();
        continue;
      }
      this.line.push(c);
      if (this.line.length > MAX_VERSION_LINE - 1) {
        throw versionError(`identification line longer than ${MAX_VERSION_LINE} bytes`);
      }
    }
    return i;
  }

  private endLine(): void {
    let bytes = this.line;
    this.line = [];
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.slice(0, -1);
    const text = String.fromCharCode(...bytes);
    if (text.startsWith('SSH-')) {
      // RFC 4253 §4.2: printable US-ASCII only (a control character would also reach every log line).
      if (bytes.some((b) => b < 0x20 || b > 0x7e)) throw versionError('identification line contains control or non-ASCII characters');
      this.result = parseVersionLine(text);
      return;
    }
    if (!this.allowPreamble) {
      throw versionError(`peer did not start with an SSH identification line (got ${JSON.stringify(text.slice(0, 60))})`);
    }
    if (++this.preLines > MAX_PRE_VERSION_LINES) throw versionError('too many lines before the identification line');
    this.preamble.push(text);
  }
}

/**
 * Payload compression, RFC 4253 §6.2: one zlib stream per direction for the life of the
 * connection, each packet flushed with Z_PARTIAL_FLUSH (as OpenSSH does). `zlib@openssh.com`
 * (OpenSSH PROTOCOL §2.2) starts only after user authentication succeeded.
 */
import { Deflate, Inflate, Z_PARTIAL_FLUSH, Z_SYNC_FLUSH, Z_OK, Z_STREAM_END, Z_BUF_ERROR } from 'pako';
import { DisconnectReason, SshError } from '../errors.js';
import { concatBytes } from '../wire/writer.js';

export const SUPPORTED_COMPRESSION: readonly string[] = ['none', 'zlib@openssh.com', 'zlib'];

export function isDelayedCompression(name: string): boolean {
  return name === 'zlib@openssh.com';
}

export interface Compressor {
  compress(payload: Uint8Array): Uint8Array;
}
export interface Decompressor {
  /** Throws ERR_COMPRESSION on corrupt data or when the output would exceed `limit` bytes. */
  decompress(payload: Uint8Array, limit: number): Uint8Array;
}

function compressionError(message: string): SshError {
  return new SshError('ERR_COMPRESSION', message, { reason: DisconnectReason.COMPRESSION_ERROR });
}

export class ZlibCompressor implements Compressor {
  private readonly deflate = new Deflate({ level: 6 });
  private out: Uint8Array[] = [];

  constructor() {
    this.deflate.onData = (chunk: Uint8Array) => void this.out.push(chunk);
  }

  compress(payload: Uint8Array): Uint8Array {
    this.out = [];
    if (!this.deflate.push(payload, Z_PARTIAL_FLUSH) || (this.deflate.err !== Z_OK && this.deflate.err !== Z_BUF_ERROR)) {
      throw compressionError(`zlib compression failed: ${this.deflate.msg}`);
    }
    return this.out.length === 1 ? this.out[0]! : concatBytes(...this.out);
  }
}

export class ZlibDecompressor implements Decompressor {
  private readonly inflate = new Inflate({ chunkSize: 16384 });
  private out: Uint8Array[] = [];
  private outBytes = 0;
  private limit = 0;

  constructor() {
    this.inflate.onData = (chunk: Uint8Array) => {
      this.outBytes += chunk.length;
      if (this.outBytes > this.limit) throw compressionError(`decompressed packet larger than ${this.limit} bytes`);
      this.out.push(chunk);
    };
  }

  decompress(payload: Uint8Array, limit: number): Uint8Array {
    this.out = [];
    this.outBytes = 0;
    this.limit = limit;
    let ok: boolean;
    try {
      ok = this.inflate.push(payload, Z_SYNC_FLUSH);
    } catch (e) {
      if (e instanceof SshError) throw e;
      throw compressionError(`zlib decompression failed: ${(e as Error).message}`);
    }
    const err = this.inflate.err as number;
    if (!ok || (err !== Z_OK && err !== Z_BUF_ERROR)) {
      throw compressionError(`corrupt compressed data: ${this.inflate.msg || `zlib status ${err}`}`);
    }
    if (this.inflate.ended || (this.inflate.err as number) === Z_STREAM_END) throw compressionError('peer ended its compressed stream');
    return this.out.length === 1 ? this.out[0]! : concatBytes(...this.out);
  }
}

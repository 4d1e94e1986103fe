/**
 * Switches payload compression on the packet streams when new keys take effect (RFC 4253 §6.2).
 * `zlib@openssh.com` (OpenSSH PROTOCOL §2.2) is held back until user authentication succeeded.
 */
import { createCompressor, createDecompressor, isDelayedCompression } from './kex-run.js';
import type { PacketDecoder } from './packet-decoder.js';
import type { PacketEncoder } from './packet-encoder.js';

export class CompressionSwitch {
  private pendingDelayed: { out: string; in: string } | undefined;

  constructor(
    private readonly encoder: PacketEncoder,
    private readonly decoder: PacketDecoder,
  ) {}

  /** The compression negotiated for one direction takes over (after that direction's NEWKEYS). */
  apply(dir: 'out' | 'in', name: string, authenticated: boolean): void {
    const delayed = isDelayedCompression(name) && !authenticated;
    if (delayed) {
      this.pendingDelayed ??= { out: 'none', in: 'none' };
      this.pendingDelayed[dir] = name;
    }
    const active = name !== 'none' && !delayed;
    if (dir === 'out') {
      if (!active) this.encoder.setCompressor(undefined);
      else if (!this.encoder.compressing) this.encoder.setCompressor(createCompressor(name));
    } else {
      if (!active) this.decoder.setDecompressor(undefined);
      else if (!this.decoder.decompressing) this.decoder.setDecompressor(createDecompressor(name));
    }
  }

  /** zlib@openssh.com starts after USERAUTH_SUCCESS: sent (server) or received (client). */
  startDelayed(): void {
    const p = this.pendingDelayed;
    this.pendingDelayed = undefined;
    if (p) {
      if (p.out !== 'none') this.encoder.setCompressor(createCompressor(p.out));
      if (p.in !== 'none') this.decoder.setDecompressor(createDecompressor(p.in));
    }
  }
}

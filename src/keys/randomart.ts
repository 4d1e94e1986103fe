/**
 * The "randomart" picture `ssh-keygen -lv` (and `ssh -o VisualHostKey=yes`) draws under a
 * fingerprint: the "drunken bishop" walk of OpenSSH's sshkey.c fingerprint_randomart(), after
 * Perrig and Song, "Hash Visualization" (1999). Reproduced byte for byte (checked against
 * OpenSSH 9.2 in test/keys/fingerprint-randomart.test.ts):
 *
 *   +--[ED25519 256]--+      title "[TYPE BITS]" centred in 17 dashes
 *   |        o   . +==|      17 x 9 field; the walk starts in the centre
 *   |       . o o *ooO|      each digest byte is four moves, low 2 bits first:
 *   |      . . + = +O+|        bit 0 set: right, clear: left; bit 1 set: down, clear: up
 *   |     o   =.o +.o*|      a move into a wall is dropped on that axis only
 *   |    o   S.o. .o..|      every square landed on counts one visit, capped at 14, and
 *   |     . o O+.. .  |      shows as " .o+=*BOX@%&#/^"[visits]
 *   |      . +.Eo .   |      'S' marks the start, 'E' the end (E wins when they coincide)
 *   |       . ...     |
 *   |          ..     |
 *   +----[SHA256]-----+      "[HASHNAME]" centred the same way
 */
import { fingerprintDigest, fingerprintHashName, keygenKeyInfo, type FingerprintHash } from './fingerprint.js';

const WIDTH = 17;
const HEIGHT = 9;
const SYMBOLS = ' .o+=*BOX@%&#/^SE';
const START = SYMBOLS.length - 2; // 'S'
const END = SYMBOLS.length - 1; // 'E'
/** Visits stop counting here ('^'), so a busy square never reads as S or E. */
const MAX_VISITS = SYMBOLS.length - 3;

export interface RandomartOptions {
  /** The digest to draw, as ssh-keygen -E; default sha256. */
  readonly hash?: FingerprintHash;
  /** The type in the top border, as ssh-keygen names it ("ED25519", "ECDSA", "RSA"). Default: from the blob. */
  readonly keyType?: string;
  /**
   * The size in the top border. Default: from the blob when keyType is not given, otherwise
   * none (then the title is "[TYPE]"); pass null to leave the size out explicitly.
   */
  readonly bits?: number | null;
}

/**
 * The randomart picture of a public key blob as `ssh-keygen -lv -E <hash>` prints it: 11 lines
 * joined by "\n", no trailing newline. Without keyType/bits, the title comes from keygenKeyInfo()
 * (which validates the blob); with keyType given, the blob is only hashed.
 */
export function randomart(publicKeyBlob: Uint8Array, options: RandomartOptions = {}): string {
  const hash = options.hash ?? 'sha256';
  let keyType = options.keyType;
  let bits = options.bits ?? undefined;
  if (keyType === undefined) {
    const info = keygenKeyInfo(publicKeyBlob);
    keyType = info.label;
    if (options.bits === undefined) bits = info.bits;
  }
  return randomartFromDigest(fingerprintDigest(publicKeyBlob, hash), {
    title: keyType,
    ...(bits !== undefined ? { bits } : {}),
    hashName: fingerprintHashName(hash),
  });
}

export interface RandomartDigestOptions {
  /** Top border text, "[title bits]" or "[title]". */
  readonly title: string;
  readonly bits?: number;
  /** Bottom border text, "[hashName]" (e.g. "SHA256", "MD5"). */
  readonly hashName: string;
}

/** The drunken bishop over any digest (or other bytes): the picture, no trailing newline. */
export function randomartFromDigest(digest: Uint8Array, options: RandomartDigestOptions): string {
  const field = new Uint8Array(WIDTH * HEIGHT); // visits, row-major
  const startX = (WIDTH - 1) / 2;
  const startY = (HEIGHT - 1) / 2;
  let x = startX;
  let y = startY;
  for (const byte of digest) {
    for (let shift = 0; shift < 8; shift += 2) {
      const move = (byte >> shift) & 3;
      x = Math.min(Math.max(x + (move & 1 ? 1 : -1), 0), WIDTH - 1);
      y = Math.min(Math.max(y + (move & 2 ? 1 : -1), 0), HEIGHT - 1);
      const i = y * WIDTH + x;
      if (field[i]! < MAX_VISITS) field[i]!++;
    }
  }
  field[startY * WIDTH + startX] = START;
  field[y * WIDTH + x] = END;

  const rows = [border(options.bits !== undefined ? `[${options.title} ${options.bits}]` : `[${options.title}]`, `[${options.title}]`)];
  for (let row = 0; row < HEIGHT; row++) {
    let line = '|';
    for (let col = 0; col < WIDTH; col++) line += SYMBOLS[field[row * WIDTH + col]!]!;
    rows.push(line + '|');
  }
  rows.push(border(`[${options.hashName}]`));
  return rows.join('\n');
}

/**
 * "+" dashes label dashes "+": the label starts after floor((17 - length) / 2) dashes. As in
 * sshkey.c the label goes through a 17-byte buffer: a label longer than 17 characters falls back
 * to `fallback` when there is one ("[ED25519-CERT 256]" becomes "[ED25519-CERT]"), and whatever
 * is left is cut to 16 characters.
 */
function border(label: string, fallback?: string): string {
  let text = label.length > WIDTH && fallback !== undefined ? fallback : label;
  text = text.slice(0, WIDTH - 1);
  const left = Math.floor((WIDTH - text.length) / 2);
  return '+' + '-'.repeat(left) + text + '-'.repeat(WIDTH - left - text.length) + '+';
}

/**
 * The contracts between the transport state machine and the algorithm implementations.
 * The transport owns framing, sequence numbers, negotiation and key derivation; algorithms
 * only protect packets, run one key exchange, or sign/verify.
 */

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Keys for one direction, derived by RFC 4253 §7.2. */
export interface DirectionKeys {
  iv: Uint8Array;
  key: Uint8Array;
  macKey: Uint8Array;
}

/** Takes the wire bytes of a sealed packet, in order, in one or more pieces (an array will do). */
export interface WireSink {
  push(piece: Uint8Array): unknown;
}

/**
 * Packet protection for the sending direction (russh's SealingKey). `packet` is the complete
 * plaintext binary packet: uint32 packet_length || byte padding_length || payload || padding.
 * It may be modified in place, and it is the caller's scratch: a sealer keeps no reference to it,
 * and what it returns never shares memory with it.
 */
export interface PacketSealer {
  /** Padding aligns to this (at least 8; RFC 4253 §6). */
  readonly blockSize: number;
  /** True when packet_length is outside the block alignment (EtM MACs and AEAD ciphers). */
  readonly lengthExcluded: boolean;
  readonly tagLength: number;
  /** The bytes to put on the wire (ciphertext || tag), in one array. */
  seal(seq: number, packet: Uint8Array): Uint8Array;
  /**
   * The same bytes as seal(), handed to `out` in the pieces the cipher produced them in (e.g.
   * length, ciphertext, tag), so the hot path never concatenates them: a socket writes the
   * pieces with one writev. Returns the total length. The pieces are new memory, to be read
   * only; they may be node:crypto's Buffers (the socket takes those without re-wrapping them).
   */
  sealTo(seq: number, packet: Uint8Array, out: WireSink): number;
  /**
   * Every piece sealTo handed out so far is referenced by nobody any more (the socket has
   * written them all): a sealer that writes packets into memory of its own may reuse it.
   */
  recycle?(): void;
  /**
   * Marks everything sealTo handed out so far; once all of it has been written, written(mark)
   * lets the sealer reuse the memory it was sealed into (while later pieces are still queued).
   */
  mark?(): number;
  written?(mark: number): void;
}

/**
 * Packet protection for the receiving direction (russh's OpeningKey). The framer calls, for each
 * packet, first `decryptLength` on the first `lengthBytes` bytes of the wire packet, then `open`
 * on the whole wire packet (4 + packet_length + tagLength bytes, starting at the same byte).
 * An opener may keep state between the two calls (CTR without EtM decrypts the first block once).
 */
export interface PacketOpener {
  readonly blockSize: number;
  readonly lengthExcluded: boolean;
  readonly tagLength: number;
  /** Bytes needed before the length can be known: 4, or one cipher block when the length is encrypted with the payload. */
  readonly lengthBytes: number;
  decryptLength(seq: number, head: Uint8Array): number;
  /** Verifies (in constant time) and decrypts; returns padding_length || payload || padding. Throws SshError('ERR_MAC'). */
  open(seq: number, wire: Uint8Array): Uint8Array;
  /**
   * open(), decrypting inside `wire` and returning a view of it, for a caller that owns the
   * memory outright (the transport, given a socket's fresh read chunk). Optional: an opener
   * that cannot decrypt in place leaves it out and open() is used.
   */
  openInPlace?(seq: number, wire: Uint8Array): Uint8Array;
}

export interface CipherAlgorithm {
  readonly name: string;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly blockSize: number;
  /** AEAD ciphers carry their own tag; the negotiated MAC is then ignored (RFC 5647 §5.1, PROTOCOL.chacha20poly1305). */
  readonly aead: boolean;
}

export interface MacAlgorithm {
  readonly name: string;
  readonly keyLength: number;
  readonly tagLength: number;
  /** Encrypt-then-MAC (OpenSSH PROTOCOL §1.5). */
  readonly etm: boolean;
}

/** What a key exchange method needs from the transport. */
export interface KexContext {
  /** Injected randomness (so a handshake can be replayed byte for byte in tests). */
  random(n: number): Uint8Array;
  /**
   * H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S || methodPart || K)
   * RFC 4253 §8 / RFC 5656 §4 / RFC 4419 §3. `methodPart` and `sharedSecret` are already wire-encoded.
   */
  exchangeHash(hostKey: Uint8Array, methodPart: Uint8Array, sharedSecret: Uint8Array): Uint8Array;
}

export interface KexServerContext extends KexContext {
  /** K_S: the public host key blob of the negotiated host key algorithm. */
  readonly hostKey: Uint8Array;
  /** Signs H with the negotiated host key algorithm; returns the signature blob (string alg || string sig). */
  sign(exchangeHash: Uint8Array): Uint8Array;
}

export type KexStep =
  | { kind: 'send'; messages: Uint8Array[] }
  | {
      kind: 'done';
      /** Messages to send now (the server's reply). */
      messages: Uint8Array[];
      hostKey: Uint8Array;
      /** The server's signature over H (the client verifies it). Empty on the server side. */
      signature: Uint8Array;
      /** K, wire-encoded as the method prescribes (mpint, or string for hybrid PQ methods). */
      sharedSecret: Uint8Array;
      exchangeHash: Uint8Array;
    };

export interface KexClientSession {
  /** The first messages the client sends after both KEXINITs. */
  start(): Uint8Array[];
  /** A message numbered 30-49 from the server. Throws SshError('ERR_KEX') on bad input. */
  receive(payload: Uint8Array): KexStep;
}

export interface KexServerSession {
  /** A message numbered 30-49 from the client. */
  receive(payload: Uint8Array): KexStep;
}

export interface KexAlgorithm {
  readonly name: string;
  readonly hash: HashName;
  createClient(ctx: KexContext): KexClientSession;
  createServer(ctx: KexServerContext): KexServerSession;
}

/** A signature algorithm over a host or user key (RFC 4253 §6.6, RFC 8332, RFC 8709, RFC 5656). */
export interface SignatureAlgorithm {
  /** e.g. 'rsa-sha2-256' */
  readonly name: string;
  /** The key type it works with, e.g. 'ssh-rsa' */
  readonly keyType: string;
  /** Verifies a signature blob (string name || string sig) over data with a public key blob. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

/** A private key able to sign: host keys on the server, identities on the client. */
export interface SigningKey {
  readonly keyType: string;
  /** The public key blob (RFC 4253 §6.6). */
  readonly publicKey: Uint8Array;
  /** Signature algorithm names this key can produce, best first. */
  readonly algorithms: readonly string[];
  /** Returns a signature blob: string algorithm || string signature. */
  sign(algorithm: string, data: Uint8Array): Uint8Array;
}

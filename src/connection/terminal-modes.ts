/**
 * Encoded terminal modes, RFC 4254 §8 (and RFC 8160 for IUTF8): the last field of a "pty-req".
 * A byte stream of opcode + uint32 argument pairs ended by TTY_OP_END (0). Opcodes 1-159 take a
 * uint32; 160-255 are undefined and stop parsing ("they should only be used after any other
 * data"), so whatever follows one is ignored.
 */
import { WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/** RFC 4254 §8 opcodes, plus IUTF8 (RFC 8160). */
export const TerminalModeOpcode = {
  TTY_OP_END: 0,
  VINTR: 1,
  VQUIT: 2,
  VERASE: 3,
  VKILL: 4,
  VEOF: 5,
  VEOL: 6,
  VEOL2: 7,
  VSTART: 8,
  VSTOP: 9,
  VSUSP: 10,
  VDSUSP: 11,
  VREPRINT: 12,
  VWERASE: 13,
  VLNEXT: 14,
  VFLUSH: 15,
  VSWTCH: 16,
  VSTATUS: 17,
  VDISCARD: 18,
  IGNPAR: 30,
  PARMRK: 31,
  INPCK: 32,
  ISTRIP: 33,
  INLCR: 34,
  IGNCR: 35,
  ICRNL: 36,
  IUCLC: 37,
  IXON: 38,
  IXANY: 39,
  IXOFF: 40,
  IMAXBEL: 41,
  IUTF8: 42,
  ISIG: 50,
  ICANON: 51,
  XCASE: 52,
  ECHO: 53,
  ECHOE: 54,
  ECHOK: 55,
  ECHONL: 56,
  NOFLSH: 57,
  TOSTOP: 58,
  IEXTEN: 59,
  ECHOCTL: 60,
  ECHOKE: 61,
  PENDIN: 62,
  OPOST: 70,
  OLCUC: 71,
  ONLCR: 72,
  OCRNL: 73,
  ONOCR: 74,
  ONLRET: 75,
  CS7: 90,
  CS8: 91,
  PARENB: 92,
  PARODD: 93,
  TTY_OP_ISPEED: 128,
  TTY_OP_OSPEED: 129,
} as const;
export type TerminalModeName = Exclude<keyof typeof TerminalModeOpcode, 'TTY_OP_END'>;

/** A decoded mode. `name` is the RFC name, or `UNKNOWN_<opcode>` for opcodes without one. */
export interface TerminalMode {
  opcode: number;
  name: string;
  value: number;
}

/** What encodeTerminalModes takes: a list (names are ignored, opcodes count) or a Map keyed by opcode or name. */
export type TerminalModesInput =
  | readonly { readonly opcode: number; readonly value: number }[]
  | ReadonlyMap<number | TerminalModeName, number>;

const NAMES = new Map<number, string>();
const OPCODES = new Map<string, number>();
for (const [name, opcode] of Object.entries(TerminalModeOpcode)) {
  NAMES.set(opcode, name);
  if (opcode !== 0) OPCODES.set(name, opcode);
}

export function terminalModeName(opcode: number): string {
  return NAMES.get(opcode) ?? `UNKNOWN_${opcode}`;
}

/** The opcode of a standard name, or undefined. */
export function terminalModeOpcode(name: string): number | undefined {
  return OPCODES.get(name);
}

/**
 * Decodes the modes in order (a repeated opcode appears twice; the last one wins when applied).
 * A stream that ends without TTY_OP_END is taken as ended; a truncated argument is malformed.
 */
export function decodeTerminalModes(blob: Uint8Array): TerminalMode[] {
  const r = new Reader(blob);
  const modes: TerminalMode[] = [];
  try {
    while (r.remaining > 0) {
      const opcode = r.u8();
      if (opcode === TerminalModeOpcode.TTY_OP_END || opcode >= 160) break;
      modes.push({ opcode, name: terminalModeName(opcode), value: r.u32() });
    }
  } catch (e) {
    if (e instanceof WireError) throw new WireError(`malformed terminal modes: ${e.message}`);
    throw e;
  }
  return modes;
}

/** Encodes modes (opcodes 1-159, uint32 values) followed by TTY_OP_END. */
export function encodeTerminalModes(modes: TerminalModesInput): Uint8Array {
  const w = new Writer(modes instanceof Map ? modes.size * 5 + 1 : 64);
  const put = (opcode: number, value: number): void => {
    if (!Number.isInteger(opcode) || opcode < 1 || opcode > 159) {
      throw new RangeError(`terminal mode opcode must be 1-159 (RFC 4254 §8), got ${opcode}`);
    }
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`terminal mode ${terminalModeName(opcode)} value must be a uint32, got ${value}`);
    }
    w.u8(opcode).u32(value);
  };
  if (Array.isArray(modes)) {
    for (const m of modes as readonly { opcode: number; value: number }[]) put(m.opcode, m.value);
  } else {
    for (const [key, value] of modes as ReadonlyMap<number | string, number>) {
      const opcode = typeof key === 'number' ? key : OPCODES.get(key);
      if (opcode === undefined) throw new RangeError(`unknown terminal mode name ${JSON.stringify(key)}`);
      put(opcode, value);
    }
  }
  w.u8(TerminalModeOpcode.TTY_OP_END);
  return w.finish();
}

/**
 * The "keyboard-interactive" method (RFC 4256): the request's method data, and the two messages
 * the method owns, SSH_MSG_USERAUTH_INFO_REQUEST (60, server -> client) and
 * SSH_MSG_USERAUTH_INFO_RESPONSE (61, client -> server). The client and server state machines
 * (client.ts, server.ts) decide when each is valid; this file only encodes, decodes and bounds.
 *
 * Prompt text comes from the server and may hold control characters: an application that shows
 * it on a terminal should sanitise it (as OpenSSH does with strnvis).
 */
import { WireError } from '../errors.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/** RFC 4256 §3.2: SSH_MSG_USERAUTH_INFO_REQUEST, during "keyboard-interactive". */
export const MSG_USERAUTH_INFO_REQUEST = 60;
/** RFC 4256 §3.4: SSH_MSG_USERAUTH_INFO_RESPONSE, during "keyboard-interactive". */
export const MSG_USERAUTH_INFO_RESPONSE = 61;

/** At most this many prompts in one INFO_REQUEST, in either direction (OpenSSH's server allows 100 responses). */
export const MAX_KBDINT_PROMPTS = 32;
/** At most this many bytes (UTF-8) in one response. */
export const MAX_KBDINT_RESPONSE_BYTES = 8192;

export interface KeyboardInteractivePrompt {
  readonly prompt: string;
  /** Whether the user's input may be shown as it is typed (false for passwords). */
  readonly echo: boolean;
}

/** One round of questions (an INFO_REQUEST). `name` and `instruction` may be empty. */
export interface KeyboardInteractiveChallenge {
  readonly name?: string;
  readonly instruction?: string;
  readonly prompts: readonly KeyboardInteractivePrompt[];
}

export interface InfoRequest {
  readonly name: string;
  readonly instruction: string;
  /** Deprecated by RFC 4256 §3.2; sent empty. */
  readonly language: string;
  readonly prompts: readonly KeyboardInteractivePrompt[];
}

/** RFC 4256 §3.1 method data: string language tag (deprecated, empty), string submethods. */
export function encodeKbdIntMethodData(submethods: string): Uint8Array {
  return new Writer(16 + submethods.length).utf8('').utf8(submethods).finish();
}

export function decodeKbdIntMethodData(methodData: Uint8Array): { language: string; submethods: string } {
  const r = new Reader(methodData);
  const language = r.utf8();
  const submethods = r.utf8();
  r.done('keyboard-interactive request');
  return { language, submethods };
}

/** Checks a challenge the application wants to send; returns the reason it cannot, or undefined. */
export function challengeProblem(c: KeyboardInteractiveChallenge): string | undefined {
  if (!Array.isArray(c.prompts)) return 'prompts must be an array';
  if (c.prompts.length > MAX_KBDINT_PROMPTS) return `at most ${MAX_KBDINT_PROMPTS} prompts per request, got ${c.prompts.length}`;
  return undefined;
}

export function encodeInfoRequest(c: KeyboardInteractiveChallenge): Uint8Array {
  const w = new Writer()
    .u8(MSG_USERAUTH_INFO_REQUEST)
    .utf8(c.name ?? '')
    .utf8(c.instruction ?? '')
    .utf8('')
    .u32(c.prompts.length);
  for (const p of c.prompts) w.utf8(p.prompt).bool(p.echo);
  return w.finish();
}

/** Decodes an INFO_REQUEST; throws WireError if malformed or if it holds too many prompts. */
export function decodeInfoRequest(payload: Uint8Array): InfoRequest {
  return wrap('SSH_MSG_USERAUTH_INFO_REQUEST', () => {
    const r = new Reader(payload);
    expectType(r, MSG_USERAUTH_INFO_REQUEST, 'SSH_MSG_USERAUTH_INFO_REQUEST');
    const name = r.utf8();
    const instruction = r.utf8();
    const language = r.utf8();
    const count = r.u32();
    if (count > MAX_KBDINT_PROMPTS) throw new WireError(`${count} prompts (at most ${MAX_KBDINT_PROMPTS})`);
    const prompts: KeyboardInteractivePrompt[] = [];
    for (let i = 0; i < count; i++) prompts.push({ prompt: r.utf8(), echo: r.bool() });
    r.done('SSH_MSG_USERAUTH_INFO_REQUEST');
    return { name, instruction, language, prompts };
  });
}

export function encodeInfoResponse(responses: readonly string[]): Uint8Array {
  const w = new Writer().u8(MSG_USERAUTH_INFO_RESPONSE).u32(responses.length);
  for (const s of responses) w.utf8(s);
  return w.finish();
}

/**
 * Decodes an INFO_RESPONSE. The count must equal the number of prompts asked (RFC 4256 §3.4),
 * and each response is at most MAX_KBDINT_RESPONSE_BYTES; otherwise WireError.
 */
export function decodeInfoResponse(payload: Uint8Array, expected: number): string[] {
  return wrap('SSH_MSG_USERAUTH_INFO_RESPONSE', () => {
    const r = new Reader(payload);
    expectType(r, MSG_USERAUTH_INFO_RESPONSE, 'SSH_MSG_USERAUTH_INFO_RESPONSE');
    const count = r.u32();
    if (count !== expected) throw new WireError(`${count} responses to ${expected} prompts`);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      // Check the length before decoding: an oversized response is refused without touching it.
      const len = new Reader(payload, r.offset).u32();
      if (len > MAX_KBDINT_RESPONSE_BYTES) throw new WireError(`response ${i + 1} is ${len} bytes (at most ${MAX_KBDINT_RESPONSE_BYTES})`);
      out.push(r.utf8());
    }
    r.done('SSH_MSG_USERAUTH_INFO_RESPONSE');
    return out;
  });
}

function expectType(r: Reader, id: number, name: string): void {
  const got = r.u8();
  if (got !== id) throw new WireError(`expected ${name} (${id}), got message ${got}`);
}

function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WireError) throw new WireError(`malformed ${name}: ${e.message}`);
    throw e;
  }
}

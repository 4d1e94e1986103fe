/**
 * Request-specific data of the session channel requests, RFC 4254 §6 (plus "break", RFC 4335,
 * and OpenSSH's eow@openssh.com / keepalive@openssh.com / auth-agent-req@openssh.com). Each
 * codec covers only the data after "want reply"; the request type travels in the
 * SSH_MSG_CHANNEL_REQUEST itself. Decoders throw WireError on malformed data, which the
 * application answers with failure.
 */
import { bool, bytes, struct, u32, utf8 } from '../messages/codec.js';
import { encodeUtf8 } from '../wire/writer.js';
import { decodeTerminalModes, encodeTerminalModes, type TerminalMode, type TerminalModesInput } from './terminal-modes.js';

export {
  decodeTerminalModes,
  encodeTerminalModes,
  TerminalModeOpcode,
  terminalModeName,
  terminalModeOpcode,
  type TerminalMode,
  type TerminalModeName,
  type TerminalModesInput,
} from './terminal-modes.js';

/** RFC 4254 §6.10 signal names (without "SIG"); others are sent as "name@domain". */
export const SIGNAL_NAMES = ['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2'] as const;

/** §6.2 "pty-req": string TERM, uint32 cols, uint32 rows, uint32 width px, uint32 height px, string modes. */
export const PtyReqCodec = struct('pty-req request', { term: utf8, cols: u32, rows: u32, widthPx: u32, heightPx: u32, modes: bytes });
/** §6.3.1 "x11-req". */
export const X11ReqCodec = struct('x11-req request', { singleConnection: bool, authProtocol: utf8, authCookie: utf8, screenNumber: u32 });
/** §6.4 "env". */
export const EnvCodec = struct('env request', { name: utf8, value: utf8 });
/** §6.5 "exec": the command is bytes (it need not be UTF-8). */
export const ExecCodec = struct('exec request', { command: bytes });
/** §6.5 "subsystem". */
export const SubsystemCodec = struct('subsystem request', { name: utf8 });
/** §6.7 "window-change". */
export const WindowChangeCodec = struct('window-change request', { cols: u32, rows: u32, widthPx: u32, heightPx: u32 });
/** §6.8 "xon-xoff". */
export const XonXoffCodec = struct('xon-xoff request', { clientCanDo: bool });
/** §6.9 "signal". */
export const SignalCodec = struct('signal request', { signal: utf8 });
/** §6.10 "exit-status". */
export const ExitStatusCodec = struct('exit-status request', { exitStatus: u32 });
/** §6.10 "exit-signal". */
export const ExitSignalCodec = struct('exit-signal request', { signal: utf8, coreDumped: bool, message: utf8, languageTag: utf8 });
/** RFC 4335 "break": uint32 break length in milliseconds. */
export const BreakCodec = struct('break request', { breakLength: u32 });
/** "shell", "eow@openssh.com", "keepalive@openssh.com", "auth-agent-req@openssh.com": no data. */
export const NoDataCodec = struct('request without data', {});

export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
  widthPx: number;
  heightPx: number;
  modes: TerminalMode[];
}
export type WindowChange = ReturnType<typeof WindowChangeCodec.decode>;
export type ExitSignal = ReturnType<typeof ExitSignalCodec.decode>;
export type X11Request = ReturnType<typeof X11ReqCodec.decode>;

export function encodePtyRequest(v: Omit<PtyRequest, 'modes'> & { modes: TerminalModesInput }): Uint8Array {
  return PtyReqCodec.encode({ ...v, modes: encodeTerminalModes(v.modes) });
}
export function decodePtyRequest(data: Uint8Array): PtyRequest {
  const v = PtyReqCodec.decode(data);
  return { ...v, modes: decodeTerminalModes(v.modes) };
}

export const encodeEnv = (name: string, value: string): Uint8Array => EnvCodec.encode({ name, value });
export const decodeEnv = (data: Uint8Array): { name: string; value: string } => EnvCodec.decode(data);

export const encodeExec = (command: string | Uint8Array): Uint8Array =>
  ExecCodec.encode({ command: typeof command === 'string' ? encodeUtf8(command) : command });
/** The command as bytes (a view): shells take bytes, and a command need not be UTF-8. */
export const decodeExec = (data: Uint8Array): Uint8Array => ExecCodec.decode(data).command;

export const encodeSubsystem = (name: string): Uint8Array => SubsystemCodec.encode({ name });
export const decodeSubsystem = (data: Uint8Array): string => SubsystemCodec.decode(data).name;

export const encodeWindowChange = (v: WindowChange): Uint8Array => WindowChangeCodec.encode(v);
export const decodeWindowChange = (data: Uint8Array): WindowChange => WindowChangeCodec.decode(data);

export const encodeXonXoff = (clientCanDo: boolean): Uint8Array => XonXoffCodec.encode({ clientCanDo });
export const decodeXonXoff = (data: Uint8Array): boolean => XonXoffCodec.decode(data).clientCanDo;

export const encodeSignal = (signal: string): Uint8Array => SignalCodec.encode({ signal });
export const decodeSignal = (data: Uint8Array): string => SignalCodec.decode(data).signal;

export const encodeExitStatus = (exitStatus: number): Uint8Array => ExitStatusCodec.encode({ exitStatus });
export const decodeExitStatus = (data: Uint8Array): number => ExitStatusCodec.decode(data).exitStatus;

export const encodeExitSignal = (v: { signal: string; coreDumped?: boolean; message?: string; languageTag?: string }): Uint8Array =>
  ExitSignalCodec.encode({ signal: v.signal, coreDumped: v.coreDumped ?? false, message: v.message ?? '', languageTag: v.languageTag ?? '' });
export const decodeExitSignal = (data: Uint8Array): ExitSignal => ExitSignalCodec.decode(data);

export const encodeBreak = (breakLength: number): Uint8Array => BreakCodec.encode({ breakLength });
export const decodeBreak = (data: Uint8Array): number => BreakCodec.decode(data).breakLength;

export const encodeX11Request = (v: X11Request): Uint8Array => X11ReqCodec.encode(v);
export const decodeX11Request = (data: Uint8Array): X11Request => X11ReqCodec.decode(data);

/** Any known session request, decoded. */
export type SessionRequest =
  | ({ type: 'pty-req' } & PtyRequest)
  | ({ type: 'x11-req' } & X11Request)
  | { type: 'env'; name: string; value: string }
  | { type: 'shell' }
  | { type: 'exec'; command: Uint8Array }
  | { type: 'subsystem'; name: string }
  | ({ type: 'window-change' } & WindowChange)
  | { type: 'xon-xoff'; clientCanDo: boolean }
  | { type: 'signal'; signal: string }
  | { type: 'exit-status'; exitStatus: number }
  | ({ type: 'exit-signal' } & ExitSignal)
  | { type: 'break'; breakLength: number }
  | { type: 'eow@openssh.com' }
  | { type: 'keepalive@openssh.com' }
  | { type: 'auth-agent-req@openssh.com' };

/** Decodes a session request by its type; undefined for types not listed in SessionRequest. */
export function decodeSessionRequest(type: string, data: Uint8Array): SessionRequest | undefined {
  switch (type) {
    case 'pty-req':
      return { type, ...decodePtyRequest(data) };
    case 'x11-req':
      return { type, ...X11ReqCodec.decode(data) };
    case 'env':
      return { type, ...EnvCodec.decode(data) };
    case 'exec':
      return { type, command: decodeExec(data) };
    case 'subsystem':
      return { type, name: decodeSubsystem(data) };
    case 'window-change':
      return { type, ...WindowChangeCodec.decode(data) };
    case 'xon-xoff':
      return { type, clientCanDo: decodeXonXoff(data) };
    case 'signal':
      return { type, signal: decodeSignal(data) };
    case 'exit-status':
      return { type, exitStatus: decodeExitStatus(data) };
    case 'exit-signal':
      return { type, ...ExitSignalCodec.decode(data) };
    case 'break':
      return { type, breakLength: decodeBreak(data) };
    case 'shell':
    case 'eow@openssh.com':
    case 'keepalive@openssh.com':
    case 'auth-agent-req@openssh.com':
      NoDataCodec.decode(data);
      return { type };
    default:
      return undefined;
  }
}

/** The request-specific data for a session request (the type goes in the CHANNEL_REQUEST). */
export function encodeSessionRequest(req: SessionRequest): Uint8Array {
  switch (req.type) {
    case 'pty-req':
      return encodePtyRequest(req);
    case 'x11-req':
      return X11ReqCodec.encode(req);
    case 'env':
      return EnvCodec.encode(req);
    case 'exec':
      return ExecCodec.encode(req);
    case 'subsystem':
      return SubsystemCodec.encode(req);
    case 'window-change':
      return WindowChangeCodec.encode(req);
    case 'xon-xoff':
      return XonXoffCodec.encode(req);
    case 'signal':
      return SignalCodec.encode(req);
    case 'exit-status':
      return ExitStatusCodec.encode(req);
    case 'exit-signal':
      return ExitSignalCodec.encode(req);
    case 'break':
      return BreakCodec.encode(req);
    case 'shell':
    case 'eow@openssh.com':
    case 'keepalive@openssh.com':
    case 'auth-agent-req@openssh.com':
      return new Uint8Array(0);
  }
}

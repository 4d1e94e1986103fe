/**
 * LocalForward / RemoteForward / DynamicForward specifications (readconf.c parse_forward()):
 *
 *   [listen_host:]listen_port | listen_path   then   connect_host:connect_port | connect_path
 *
 * A field in `[...]` is taken literally (IPv6 addresses); `\` escapes; a field containing `/`
 * is a Unix-domain socket path. A dynamic forward (and a RemoteForward with one argument) has
 * only the listen side and connects through SOCKS.
 */
import { a2port, dollarExpand } from './values.js';

/** The marker OpenSSH uses as the "port" of a Unix-domain socket. */
const PORT_STREAMLOCAL = -2;

export interface Forward {
  /** undefined: the default listen address. */
  readonly listenHost?: string;
  /** Listen TCP port (0 lets a remote server choose); absent when listening on a socket path. */
  readonly listenPort?: number;
  readonly listenPath?: string;
  /** `socks` for a dynamic (SOCKS) forward. */
  readonly connectHost?: string;
  readonly connectPort?: number;
  readonly connectPath?: string;
}

interface Field {
  arg: string;
  isPath: boolean;
}

/** parse_fwd_field(): the next colon-separated field; `next` is where the rest starts. */
function nextField(s: string, pos: number): { field: Field; next: number } | 'end' | 'bad' {
  if (pos >= s.length) return 'end';
  if (s[pos] === '[') {
    let ep = pos + 1;
    let isPath = false;
    while (ep < s.length && s[ep] !== ']') {
      if (s[ep] === '/') isPath = true;
      ep++;
    }
    if (s[ep] !== ']' || (s[ep + 1] !== ':' && ep + 1 < s.length)) return 'bad';
    return { field: { arg: s.slice(pos + 1, ep), isPath }, next: ep + 1 < s.length ? ep + 2 : s.length };
  }
  let arg = '';
  let isPath = false;
  for (let i = pos; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (i + 1 >= s.length) return 'bad';
      arg += s[++i];
      continue;
    }
    if (c === '/') isPath = true;
    if (c === ':') return { field: { arg, isPath }, next: i + 1 };
    arg += c;
  }
  return { field: { arg, isPath }, next: s.length };
}

interface RawForward {
  listenHost?: string;
  listenPort: number;
  listenPath?: string;
  connectHost?: string;
  connectPort: number;
  connectPath?: string;
}

/**
 * parse_forward(). `spec` is the joined `listen:connect` text (or just `listen` when dynamic).
 * Returns undefined for a bad specification.
 */
export function parseForward(
  spec: string,
  dynamic: boolean,
  remote: boolean,
  env: Readonly<Record<string, string | undefined>>,
): Forward | undefined {
  let s: string;
  try {
    s = dollarExpand(spec, env);
  } catch {
    return undefined;
  }
  let pos = 0;
  while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  const fields: Field[] = [];
  let cp: number | null = pos;
  while (fields.length < 4 && cp !== null) {
    const r = nextField(s, cp);
    if (r === 'end') cp = null;
    else if (r === 'bad') break;
    else {
      fields.push(r.field);
      cp = r.next;
    }
  }
  // Anything left after four fields (or at a bad field) is trailing garbage.
  const n = cp !== null && cp < s.length ? 0 : fields.length;
  const f = (i: number): Field => fields[i]!;
  const fwd: RawForward = { listenPort: 0, connectPort: 0 };
  switch (n) {
    case 1:
      if (f(0).isPath) {
        fwd.listenPath = f(0).arg;
        fwd.listenPort = PORT_STREAMLOCAL;
      } else {
        fwd.listenPort = a2port(f(0).arg);
      }
      fwd.connectHost = 'socks';
      break;
    case 2:
      if (f(0).isPath && f(1).isPath) {
        fwd.listenPath = f(0).arg;
        fwd.listenPort = PORT_STREAMLOCAL;
        fwd.connectPath = f(1).arg;
        fwd.connectPort = PORT_STREAMLOCAL;
      } else if (f(1).isPath) {
        fwd.listenPort = a2port(f(0).arg);
        fwd.connectPath = f(1).arg;
        fwd.connectPort = PORT_STREAMLOCAL;
      } else {
        fwd.listenHost = f(0).arg;
        fwd.listenPort = a2port(f(1).arg);
        fwd.connectHost = 'socks';
      }
      break;
    case 3:
      if (f(0).isPath) {
        fwd.listenPath = f(0).arg;
        fwd.listenPort = PORT_STREAMLOCAL;
        fwd.connectHost = f(1).arg;
        fwd.connectPort = a2port(f(2).arg);
      } else if (f(2).isPath) {
        fwd.listenHost = f(0).arg;
        fwd.listenPort = a2port(f(1).arg);
        fwd.connectPath = f(2).arg;
        fwd.connectPort = PORT_STREAMLOCAL;
      } else {
        fwd.listenPort = a2port(f(0).arg);
        fwd.connectHost = f(1).arg;
        fwd.connectPort = a2port(f(2).arg);
      }
      break;
    case 4:
      fwd.listenHost = f(0).arg;
      fwd.listenPort = a2port(f(1).arg);
      fwd.connectHost = f(2).arg;
      fwd.connectPort = a2port(f(3).arg);
      break;
    default:
      return undefined;
  }
  if (dynamic) {
    if (n !== 1 && n !== 2) return undefined;
  } else {
    if (n !== 3 && n !== 4 && fwd.connectPath === undefined && fwd.listenPath === undefined) return undefined;
    if (fwd.connectPort <= 0 && fwd.connectPath === undefined) return undefined;
  }
  if ((fwd.listenPort < 0 && fwd.listenPath === undefined) || (!remote && fwd.listenPort === 0)) return undefined;
  if ((fwd.connectHost?.length ?? 0) >= 1025 || (fwd.listenHost?.length ?? 0) >= 1025) return undefined;
  if ((fwd.connectPath?.length ?? 0) >= 108 || (fwd.listenPath?.length ?? 0) >= 108) return undefined;
  return {
    ...(fwd.listenHost !== undefined ? { listenHost: fwd.listenHost } : {}),
    ...(fwd.listenPath !== undefined ? { listenPath: fwd.listenPath } : { listenPort: fwd.listenPort }),
    ...(fwd.connectHost !== undefined ? { connectHost: fwd.connectHost } : {}),
    ...(fwd.connectPath !== undefined
      ? { connectPath: fwd.connectPath }
      : fwd.connectHost !== undefined && !(fwd.connectHost === 'socks' && fwd.connectPort === 0)
        ? { connectPort: fwd.connectPort }
        : {}),
  };
}

/** forward_equals(): used to drop duplicate forwards. */
export function forwardEquals(a: Forward, b: Forward): boolean {
  return (
    a.listenHost === b.listenHost &&
    a.listenPort === b.listenPort &&
    a.listenPath === b.listenPath &&
    a.connectHost === b.connectHost &&
    a.connectPort === b.connectPort &&
    a.connectPath === b.connectPath
  );
}

/** A dynamic (SOCKS) forward: connects wherever the SOCKS client asks. */
export function isDynamicForward(f: Forward): boolean {
  return f.connectHost === 'socks' && f.connectPort === undefined && f.connectPath === undefined;
}

/** How ssh -G prints one side: a path, a bare port, or `[host]:port`. */
export function formatForwardSide(host: string | undefined, port: number | undefined, path: string | undefined): string {
  if (path !== undefined) return path;
  if (host === undefined) return String(port ?? 0);
  return `[${host}]:${port ?? 0}`;
}

/**
 * sshd_config keywords whose values have a structure of their own (servconf.c): ListenAddress
 * (address[:port], [v6]:port or a bare IPv6 address), MaxStartups (start:rate:full), Subsystem
 * (name and command line), and the paths HostKey and Banner take relative to the working
 * directory.
 */
import { lineError } from './errors.js';
import { stringArg } from './keyword-args.js';
import type { Args, Directive } from './lexer.js';
import type { ParseSshdConfigOptions } from './sshd-config.js';
import type { State } from './sshd-config-state.js';
import { a2port, tildeExpand } from './values.js';

const MAX_SUBSYSTEMS = 256;

export function derelativise(path: string, opts: ParseSshdConfigOptions): string {
  if (path.toLowerCase() === 'none') return 'none';
  let expanded: string;
  try {
    expanded = tildeExpand(path, opts.home ?? '/root');
  } catch (e) {
    lineError((e as Error).message);
  }
  if (expanded.startsWith('/')) return expanded;
  const cwd = opts.cwd ?? '/';
  return `${cwd.endsWith('/') ? cwd.slice(0, -1) : cwd}/${expanded}`;
}

export function listenAddress(st: State, d: Directive, args: Args): void {
  const arg = args.next();
  if (arg === undefined || arg === '') lineError('missing address');
  let addr: string;
  let port = 0;
  const firstColon = arg.indexOf(':');
  if (!arg.includes('[') && firstColon >= 0 && arg.indexOf(':', firstColon + 1) >= 0) {
    addr = arg; // a bare IPv6 address: every port
  } else {
    let hostEnd: number;
    if (arg.startsWith('[')) {
      const close = arg.indexOf(']');
      if (close < 0) lineError('bad address:port usage');
      hostEnd = close + 1;
    } else {
      const m = /[:/]/.exec(arg);
      hostEnd = m === null ? arg.length : m.index;
    }
    if (hostEnd < arg.length && arg[hostEnd] !== ':' && arg[hostEnd] !== '/') lineError('bad address:port usage');
    const host = arg.slice(0, hostEnd);
    addr = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (hostEnd < arg.length) {
      port = a2port(arg.slice(hostEnd + 1));
      if (port <= 0) lineError('bad port number');
    }
  }
  const extra = args.next();
  if (extra !== undefined) {
    if (extra !== 'rdomain' || args.next() === undefined) lineError('bad ListenAddress syntax');
    lineError('bad routing domain (routing domains are not supported on this platform)');
  }
  st.listenQueue.push({ addr, port, file: d.file, line: d.line });
}

export function maxStartups(st: State, d: Directive, args: Args): void {
  const arg = stringArg(args, d.keyword);
  // sscanf("%d:%d:%d"): how many numbers were read decides the form.
  const num = '[ \\t\\n\\v\\f\\r]*([+-]?\\d+)';
  const m = new RegExp(`^${num}(?::${num}(?::${num})?)?`).exec(arg);
  const invalid = (): never => lineError(`Invalid ${d.keyword} spec.`);
  if (m === null) invalid();
  const vals = m!.slice(1).filter((v) => v !== undefined).map(Number);
  // Written straight into the options, so a later line overrides an earlier one.
  if (vals.length === 3) {
    const [begin, rate, full] = vals as [number, number, number];
    st.maxStartups = { begin, rate, full };
    if (begin > full || rate > 100 || rate < 1) invalid();
  } else if (vals.length !== 1) {
    invalid();
  } else {
    st.maxStartups = { ...st.maxStartups, begin: vals[0]!, full: vals[0]! };
  }
  if ((st.maxStartups.full ?? 0) <= 0 || (st.maxStartups.begin ?? 0) <= 0) invalid();
}

export function subsystem(st: State, d: Directive, args: Args, on: boolean): void {
  if (st.subsystems.length >= MAX_SUBSYSTEMS) lineError('too many subsystems defined.');
  const name = stringArg(args, d.keyword);
  if (!on) {
    args.next();
    return;
  }
  if (st.subsystems.some((s) => s.name === name)) lineError(`Subsystem '${name}' already defined.`);
  const command = args.next();
  if (command === undefined || command === '') lineError('Missing subsystem command.');
  const parts = [command];
  for (let a = args.next(); a !== undefined; a = args.next()) parts.push(a);
  st.subsystems.push({ name, command, commandLine: parts.join(' ') });
}

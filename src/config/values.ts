/**
 * Value syntaxes shared by ssh_config and sshd_config, with OpenSSH's rules (misc.c convtime(),
 * a2port(), atoi_err(), openbsd-compat scan_scaled(), log.c level names).
 */

/** LogLevel names, most quiet first. `DEBUG` is an alias of `DEBUG1`. */
export type LogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

const LOG_LEVELS: readonly (readonly [string, LogLevel])[] = [
  ['QUIET', 'QUIET'],
  // Debian's OpenSSH names the quiet level SILENT (ssh -G -q prints "loglevel SILENT"); accept both.
  ['SILENT', 'QUIET'],
  ['FATAL', 'FATAL'],
  ['ERROR', 'ERROR'],
  ['INFO', 'INFO'],
  ['VERBOSE', 'VERBOSE'],
  ['DEBUG', 'DEBUG1'],
  ['DEBUG1', 'DEBUG1'],
  ['DEBUG2', 'DEBUG2'],
  ['DEBUG3', 'DEBUG3'],
];

export function parseLogLevel(s: string | undefined): LogLevel | undefined {
  if (s === undefined) return undefined;
  const up = s.toUpperCase();
  return LOG_LEVELS.find(([name]) => name === up)?.[1];
}

/** The name `ssh -G` / `sshd -T` print: the first table entry, so DEBUG1 prints as DEBUG. */
export function logLevelName(level: LogLevel): string {
  return LOG_LEVELS.find(([, v]) => v === level)![0];
}

const INT_MAX = 2 ** 31 - 1;

/**
 * convtime(): `90`, `1m30s`, `2h`, `1w`; units s m h d w in either case; the total must fit
 * an int. Returns -1 when malformed.
 */
export function convtime(s: string | undefined): number {
  if (s === undefined || s === '') return -1;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    // strtol: optional leading whitespace and sign, then digits.
    const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s.slice(i));
    if (m === null) return -1;
    const n = Number(m[2]);
    if (m[1] === '-' && n !== 0) return -1;
    if (n > INT_MAX) return -1;
    i += m[0].length;
    let mult = 1;
    const unit = s[i];
    if (unit !== undefined) {
      const u = 'sSmMhHdDwW'.indexOf(unit);
      if (u < 0) return -1;
      mult = [1, 60, 3600, 86400, 604800][u >> 1]!;
      i++;
    }
    if (n > Math.floor(INT_MAX / mult)) return -1;
    const secs = n * mult;
    if (total > INT_MAX - secs) return -1;
    total += secs;
  }
  return total;
}

/**
 * a2port(): a port number 0-65535 in decimal. OpenSSH also accepts a service name from
 * /etc/services; that needs I/O, so only `ssh` (22) is known here. Returns -1 when bad.
 */
export function a2port(s: string | undefined): number {
  if (s === undefined) return -1;
  if (/^[ \t]*\+?\d+$/.test(s)) {
    const n = Number(s.trim());
    return n <= 65535 ? n : -1;
  }
  if (/^[ \t]*-0+$/.test(s)) return 0;
  return s === 'ssh' ? 22 : -1;
}

/** atoi_err(): an int 0..INT_MAX; returns the value or the error word OpenSSH prints. */
export function atoiErr(s: string | undefined): number | 'missing' | 'invalid' | 'too small' | 'too large' {
  if (s === undefined || s === '') return 'missing';
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (m === null) return 'invalid';
  const n = Number(m[1]);
  if (n < 0) return 'too small';
  if (n > INT_MAX) return 'too large';
  return n;
}

const SCALE = 'BKMGTPE';

/**
 * scan_scaled(): `1G`, `500M`, `1.5K`, plain bytes; scale letters B K M G T P E (powers of
 * 1024) in either case. Returns undefined when malformed.
 */
export function scanScaled(s: string): bigint | undefined {
  let i = 0;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  let sign = 0n;
  while (s[i] === '-' || s[i] === '+') {
    if (sign !== 0n) return undefined;
    sign = s[i] === '-' ? -1n : 1n;
    i++;
  }
  let whole = 0n;
  let fpart = 0n;
  let fractDigits = 0;
  let ndigits = 0;
  for (; i < s.length && /[0-9.]/.test(s[i]!); i++) {
    if (s[i] === '.') {
      if (fractDigits > 0) return undefined;
      fractDigits = 1;
      continue;
    }
    const d = BigInt(s.charCodeAt(i) - 48);
    if (fractDigits > 0) {
      if (fractDigits >= 19) continue;
      fractDigits++;
      fpart = fpart * 10n + d;
    } else {
      if (++ndigits >= 20) return undefined;
      whole = whole * 10n + d;
    }
  }
  if (sign !== 0n) whole *= sign;
  if (i >= s.length) return whole;
  const idx = SCALE.indexOf(s[i]!.toUpperCase());
  if (idx < 0) return undefined;
  if (i + 1 < s.length && /[A-Za-z0-9]/.test(s[i + 1]!)) return undefined;
  const fact = 1n << BigInt(10 * idx);
  const LLONG_MAX = (1n << 63n) - 1n;
  if (whole > LLONG_MAX / fact || whole < -LLONG_MAX / fact) return undefined;
  whole *= fact;
  while (fpart >= LLONG_MAX / fact) {
    fpart /= 10n;
    fractDigits--;
  }
  fpart *= fact;
  for (let k = 0; k < fractDigits - 1; k++) fpart /= 10n;
  return sign === -1n ? whole - fpart : whole + fpart;
}

/** A multistate keyword value: case-insensitive lookup in OpenSSH's table. */
export function multistate<T>(arg: string | undefined, table: readonly (readonly [string, T])[]): T | undefined {
  if (arg === undefined) return undefined;
  const a = arg.toLowerCase();
  return table.find(([k]) => k === a)?.[1];
}

/** The first name a multistate table gives a value: what ssh -G and sshd -T print. */
export function multistateName<T>(value: T, table: readonly (readonly [string, T])[]): string {
  return table.find(([, v]) => v === value)?.[0] ?? 'UNKNOWN';
}

/** `${NAME}` expansion (misc.c dollar_expand()). Throws a message string's Error on a bad or missing variable. */
export function dollarExpand(s: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      const close = s.indexOf('}', i + 2);
      if (close < 0) throw new Error(`environment variable '${s.slice(i + 2)}' missing closing '}'`);
      const name = s.slice(i + 2, close);
      if (name === '') throw new Error('zero-length environment variable');
      const v = env[name];
      if (v === undefined) throw new Error(`env var \${${name}} has no value`);
      out += v;
      i = close;
      continue;
    }
    out += s[i];
  }
  return out;
}

/**
 * percent_expand(): `%%` and the `%x` tokens in `keys`; any other `%x` (or a lone trailing
 * `%`) is an error, as in OpenSSH.
 */
export function percentExpand(s: string, keys: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const k = s[++i];
    if (k === '%') {
      out += '%';
      continue;
    }
    if (k === undefined) throw new Error('invalid format: a trailing %');
    const v = Object.prototype.hasOwnProperty.call(keys, k) ? keys[k] : undefined;
    if (v === undefined) throw new Error(`unknown key %${k}`);
    out += v;
  }
  return out;
}

/**
 * percent_dollar_expand(): `${VAR}` and `%x` tokens in one left-to-right pass, so text that
 * one expansion produces is never expanded again.
 */
export function percentDollarExpand(
  s: string,
  keys: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      const close = s.indexOf('}', i + 2);
      if (close < 0) throw new Error(`environment variable '${s.slice(i + 2)}' missing closing '}'`);
      out += dollarExpand(s.slice(i, close + 1), env);
      i = close;
      continue;
    }
    if (s[i] === '%') {
      out += percentExpand(s.slice(i, i + 2), keys);
      i++;
      continue;
    }
    out += s[i];
  }
  return out;
}

/** tilde_expand_filename(): `~` and `~/path` with `home`; `~user/path` through `homeOf`. */
export function tildeExpand(path: string, home: string, homeOf?: (user: string) => string | undefined): string {
  if (!path.startsWith('~')) return path;
  const slash = path.indexOf('/');
  const user = path.slice(1, slash < 0 ? path.length : slash);
  let rest = slash < 0 ? '' : path.slice(slash + 1).replace(/^\/+/, '');
  let dir: string | undefined = home;
  if (user !== '') {
    dir = homeOf?.(user);
    if (dir === undefined) throw new Error(`No such user ${user}`);
  }
  const sep = dir.length === 0 || !dir.endsWith('/') ? '/' : '';
  if (rest === undefined) rest = '';
  return `${dir}${sep}${rest}`;
}

/** valid_env_name(): letters, digits and underscore. */
export function validEnvName(s: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(s);
}

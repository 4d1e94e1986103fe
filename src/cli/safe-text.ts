/**
 * Text chosen by the other side (a user name, a banner, a disconnect message, a prompt) made
 * safe to print: it can neither forge a line of its own nor send a terminal escape sequence.
 * Characters that must not pass are written as the octal escapes of their UTF-8 bytes
 * ("\033"), as OpenSSH writes them.
 */

const OCTAL = new TextEncoder();

function octal(ch: string): string {
  let out = '';
  for (const b of OCTAL.encode(ch)) out += `\\${b.toString(8).padStart(3, '0')}`;
  return out;
}

const LOG_NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/**
 * A log line as sshd writes one (log.c: vis(3) with VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL):
 * printable ASCII as it is, a backslash doubled, newline, carriage return and tab as \n \r \t,
 * every other byte in octal. One message is one line whatever it contains.
 */
export function logSafe(text: string): string {
  return text.replace(/[^\x20-\x5b\x5d-\x7e]/gu, (ch) => LOG_NAMED[ch] ?? octal(ch));
}

/**
 * Text for the user's terminal as ssh filters it (utf8.c: printable characters, newline and tab
 * pass; anything else is escaped), a little stricter: C0/C1 controls, DEL, Unicode format
 * characters (bidirectional overrides among them), line and paragraph separators and lone
 * surrogates are escaped, and a carriage return passes only as part of CR LF.
 */
export function terminalSafe(text: string): string {
  return text.replace(/\r(?!\n)|[^\P{C}\p{Co}\p{Cn}\n\t\r]|[\u2028\u2029]/gu, octal);
}

/** A field cut to `max` characters, as sshd's "%.100s" does with user names in its log lines. */
export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

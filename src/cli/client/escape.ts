/**
 * ssh's escape sequences (clientloop.c process_escapes()), pure: keyboard bytes in, the bytes to
 * send and the commands typed out. The escape character (EscapeChar, default `~`) counts only
 * right after a newline (CR or LF), or at the very start; a command does not end the "line
 * start", so `~?` then `~.` works.
 */

export type EscapeCommand =
  | 'disconnect' // ~.
  | 'help' // ~?
  | 'list' // ~#
  | 'break' // ~B
  | 'rekey' // ~R
  | 'more-verbose' // ~v
  | 'less-verbose' // ~V
  | 'suspend' // ~^Z
  | 'background' // ~&
  | 'command-line'; // ~C

export type EscapeAction = { readonly kind: 'data'; readonly data: Uint8Array } | { readonly kind: 'command'; readonly command: EscapeCommand };

const COMMANDS: Readonly<Record<number, EscapeCommand>> = {
  0x2e: 'disconnect',
  0x3f: 'help',
  0x23: 'list',
  0x42: 'break',
  0x52: 'rekey',
  0x76: 'more-verbose',
  0x56: 'less-verbose',
  0x1a: 'suspend',
  0x26: 'background',
  0x43: 'command-line',
};

export class EscapeFilter {
  private lastWasNewline = true;
  private pending = false;

  constructor(private readonly escapeChar: number) {}

  /** Splits keyboard input into data to send and escape commands, in order. Stops after ~. */
  process(chunk: Uint8Array): EscapeAction[] {
    const out: EscapeAction[] = [];
    let data: number[] = [];
    const flush = () => {
      if (data.length > 0) out.push({ kind: 'data', data: Uint8Array.from(data) });
      data = [];
    };
    for (const ch of chunk) {
      if (this.pending) {
        this.pending = false;
        const command = COMMANDS[ch];
        if (command !== undefined) {
          flush();
          out.push({ kind: 'command', command });
          if (command === 'disconnect') return out;
          continue;
        }
        // Not a command: the escape character goes out too, unless this is the escape character itself.
        if (ch !== this.escapeChar) data.push(this.escapeChar);
      } else if (this.lastWasNewline && ch === this.escapeChar) {
        this.pending = true;
        continue;
      }
      this.lastWasNewline = ch === 0x0d || ch === 0x0a;
      data.push(ch);
    }
    flush();
    return out;
  }
}

/** print_escape_help(), for what hush does. Lines end in CR LF: the terminal is raw. */
export function escapeHelp(esc: string): string {
  const rows: [string, string][] = [
    ['.', 'terminate connection'],
    ['B', 'send a BREAK to the remote system'],
    ['C', 'open a command line (not supported by hush)'],
    ['R', 'request rekey'],
    ['V/v', 'decrease/increase verbosity (LogLevel)'],
    ['^Z', 'suspend hush'],
    ['#', 'list forwarded connections'],
    ['?', 'this message'],
  ];
  return (
    `${esc}?\r\nSupported escape sequences:\r\n` +
    rows.map(([k, t]) => ` ${esc}${k.padEnd(3)} - ${t}\r\n`).join('') +
    ` ${esc}${esc}   - send the escape character by typing it twice\r\n` +
    '(Note that escapes are only recognized immediately after newline.)\r\n'
  );
}

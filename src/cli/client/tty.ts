/**
 * The controlling terminal, as ssh uses it: prompts are written to and read from /dev/tty (so
 * they work with stdin and stderr redirected, and fail cleanly without a terminal), and the
 * local terminal is put in raw mode for an interactive session and restored on every way out.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** Whether there is a controlling terminal to ask questions on. */
export function haveTty(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

function stty(fd: number, args: readonly string[]): void {
  spawnSync('stty', args, { stdio: [fd, 'ignore', 'ignore'] });
}

/**
 * Asks on /dev/tty and reads one line (without echo when `echo` is false). undefined when there
 * is no terminal or it reached end of file (as readpassphrase(3) fails).
 */
export function ttyPrompt(prompt: string, echo: boolean): string | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  try {
    // Echo goes off before the prompt is shown, as readpassphrase(3) does: keys typed (or pasted)
    // the moment the prompt appears must not be echoed. (Prompt first, then stty, echoed a PIN
    // typed at once in CI.)
    if (!echo) stty(fd, ['-echo']);
    writeSync(fd, prompt);
    const buf = Buffer.alloc(1);
    const bytes: number[] = [];
    try {
      for (;;) {
        let n = 0;
        try {
          n = readSync(fd, buf, 0, 1, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          throw e;
        }
        if (n === 0) return bytes.length > 0 ? Buffer.from(bytes).toString('utf8') : undefined;
        if (buf[0] === 0x0a || buf[0] === 0x0d) return Buffer.from(bytes).toString('utf8');
        bytes.push(buf[0]!);
      }
    } finally {
      if (!echo) {
        stty(fd, ['echo']);
        writeSync(fd, '\n');
      }
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes to the terminal (prompts' surrounding text); false when there is none. */
export function ttyWrite(text: string): boolean {
  try {
    const fd = openSync('/dev/tty', 'w');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Raw mode for stdin (no echo, no line editing, no signals from ^C, no output processing, as
 * ssh's enter_raw_mode), undone by leave(). Safe to call leave() more than once and from exit
 * handlers: it only uses synchronous calls.
 */
export class RawMode {
  private active = false;

  get isRaw(): boolean {
    return this.active;
  }

  enter(): void {
    const stdin = process.stdin;
    if (this.active || !stdin.isTTY) return;
    stdin.setRawMode(true);
    // libuv's raw mode keeps OPOST; ssh clears it so the remote terminal's bytes go out untouched.
    // setRawMode(false) later restores the saved settings, OPOST included.
    stty(0, ['-opost']);
    this.active = true;
  }

  leave(): void {
    if (!this.active) return;
    this.active = false;
    try {
      process.stdin.setRawMode(false);
    } catch {
      // the terminal is gone (SIGHUP): nothing to restore
    }
  }
}

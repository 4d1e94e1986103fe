/** Terminal prompts for the CLI tools: a line, or a passphrase read without echo. */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';

/** Reads one line from the terminal (or from stdin when there is no terminal). */
export function readLine(prompt: string, options: { echo?: boolean } = {}): string | undefined {
  let fd: number;
  let opened = false;
  try {
    fd = openSync('/dev/tty', 'r');
    opened = true;
  } catch {
    fd = 0;
  }
  const raw = opened && options.echo === false;
  // Echo goes off before the prompt is shown (as readpassphrase(3)): keys typed the moment the
  // prompt appears must not be echoed.
  if (raw) spawnStty(['-echo']);
  process.stderr.write(prompt);
  try {
    const buf = Buffer.alloc(1);
    const bytes: number[] = [];
    for (;;) {
      let n = 0;
      try {
        n = readSync(fd, buf, 0, 1, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
      if (n === 0) return bytes.length > 0 ? Buffer.from(bytes).toString('utf8') : undefined;
      if (buf[0] === 0x0a) return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
      bytes.push(buf[0]!);
    }
  } finally {
    if (raw) {
      spawnStty(['echo']);
      process.stderr.write('\n');
    }
    if (opened) closeSync(fd);
  }
}

function spawnStty(args: string[]): void {
  try {
    // stty acts on its stdin: give it the terminal.
    const fd = openSync('/dev/tty', 'r');
    try {
      spawnSync('stty', args, { stdio: [fd, 'ignore', 'ignore'] });
    } finally {
      closeSync(fd);
    }
  } catch {
    // No terminal: nothing to hide.
  }
}

export function readPassphrase(prompt: string): string | undefined {
  return readLine(prompt, { echo: false });
}

/**
 * Pseudo-terminals through node-pty, loaded on first use (a server without it still serves
 * sessions without a pty), and the translation of the client's terminal modes (RFC 4254 §8) to
 * stty(1) words.
 *
 * Input to the terminal is written to node-pty's master descriptor here rather than through
 * IPty.write(), which queues without bound and never says when bytes left: each write calls back
 * once the kernel took it, so the session reads the client's data (and refills its window) only
 * as fast as the terminal accepts it.
 */
import { constants as fsConstants, openSync, write as fsWrite } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type { IPty } from 'node-pty';
import { TerminalModeOpcode, type TerminalMode } from '../connection/session-requests.js';

type NodePty = typeof import('node-pty');

let loaded: { pty: NodePty } | { error: Error } | undefined;

/** node-pty, or the reason it cannot be loaded (not installed, native build missing). */
export function loadNodePty(): NodePty | Error {
  if (!loaded) {
    try {
      loaded = { pty: createRequire(import.meta.url)('node-pty') as NodePty };
    } catch (e) {
      loaded = { error: e instanceof Error ? e : new Error(String(e)) };
    }
  }
  return 'pty' in loaded ? loaded.pty : loaded.error;
}

/** Writes to a non-blocking descriptor, retrying after EAGAIN with a growing pause (no busy loop). */
export class FdWriter {
  private readonly queue: Array<{ data: Buffer; offset: number; done: () => void }> = [];
  private busy = false;
  private stopped = false;
  private backoff = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly fd: number) {}

  /** `done` runs once all of data was written (or dropped because the terminal is gone). */
  write(data: Buffer, done: () => void): void {
    if (this.stopped) {
      done();
      return;
    }
    this.queue.push({ data, offset: 0, done });
    if (!this.busy) this.next();
  }

  /** No more writes: the descriptor is about to be closed (and its number reused). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const q of this.queue.splice(0)) q.done();
  }

  private next(): void {
    const head = this.queue[0];
    if (this.stopped || !head) {
      this.busy = false;
      return;
    }
    this.busy = true;
    fsWrite(this.fd, head.data, head.offset, head.data.length - head.offset, null, (err, n) => {
      if (this.stopped) return;
      if (err) {
        if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
          this.timer = setTimeout(() => this.next(), this.backoff);
          this.backoff = Math.min(this.backoff * 2, 50);
          return;
        }
        // EIO: the terminal was hung up. Nothing can be written any more.
        this.stop();
        return;
      }
      this.backoff = 1;
      head.offset += n;
      if (head.offset >= head.data.length) {
        this.queue.shift();
        head.done();
      }
      this.next();
    });
  }
}

/** The master descriptor of a node-pty terminal (a public accessor of UnixTerminal the typings omit). */
export function masterFd(p: IPty): number | undefined {
  const fd = (p as unknown as { fd?: unknown }).fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/**
 * A descriptor of the terminal's slave side for the server itself (close-on-exec, and O_NOCTTY
 * so it never becomes our controlling terminal), or undefined when the terminal is already gone.
 * The name comes from UnixTerminal's ptsName accessor, which the typings omit.
 */
export function openSlave(p: IPty): number | undefined {
  const name = (p as unknown as { ptsName?: unknown }).ptsName;
  if (typeof name !== 'string' || !name.startsWith('/dev/')) return undefined;
  try {
    return openSync(name, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  } catch {
    return undefined;
  }
}

/** Closes the terminal's master at once (hangs up the terminal), falling back to SIGHUP. */
export function hangUp(p: IPty): void {
  const destroy = (p as unknown as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(p);
  else p.kill('SIGHUP');
}

/** The name of a signal number ("TERM" for 15), or undefined. */
export function signalName(n: number): string | undefined {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === n) return name.replace(/^SIG/, '');
  return undefined;
}

const CHARS = new Map<number, string>([
  [TerminalModeOpcode.VINTR, 'intr'],
  [TerminalModeOpcode.VQUIT, 'quit'],
  [TerminalModeOpcode.VERASE, 'erase'],
  [TerminalModeOpcode.VKILL, 'kill'],
  [TerminalModeOpcode.VEOF, 'eof'],
  [TerminalModeOpcode.VEOL, 'eol'],
  [TerminalModeOpcode.VEOL2, 'eol2'],
  [TerminalModeOpcode.VSTART, 'start'],
  [TerminalModeOpcode.VSTOP, 'stop'],
  [TerminalModeOpcode.VSUSP, 'susp'],
  [TerminalModeOpcode.VREPRINT, 'rprnt'],
  [TerminalModeOpcode.VWERASE, 'werase'],
  [TerminalModeOpcode.VLNEXT, 'lnext'],
  [TerminalModeOpcode.VDISCARD, 'discard'],
]);

const FLAGS = new Map<number, string>([
  [TerminalModeOpcode.IGNPAR, 'ignpar'],
  [TerminalModeOpcode.PARMRK, 'parmrk'],
  [TerminalModeOpcode.INPCK, 'inpck'],
  [TerminalModeOpcode.ISTRIP, 'istrip'],
  [TerminalModeOpcode.INLCR, 'inlcr'],
  [TerminalModeOpcode.IGNCR, 'igncr'],
  [TerminalModeOpcode.ICRNL, 'icrnl'],
  [TerminalModeOpcode.IUCLC, 'iuclc'],
  [TerminalModeOpcode.IXON, 'ixon'],
  [TerminalModeOpcode.IXANY, 'ixany'],
  [TerminalModeOpcode.IXOFF, 'ixoff'],
  [TerminalModeOpcode.IMAXBEL, 'imaxbel'],
  [TerminalModeOpcode.IUTF8, 'iutf8'],
  [TerminalModeOpcode.ISIG, 'isig'],
  [TerminalModeOpcode.ICANON, 'icanon'],
  [TerminalModeOpcode.XCASE, 'xcase'],
  [TerminalModeOpcode.ECHO, 'echo'],
  [TerminalModeOpcode.ECHOE, 'echoe'],
  [TerminalModeOpcode.ECHOK, 'echok'],
  [TerminalModeOpcode.ECHONL, 'echonl'],
  [TerminalModeOpcode.NOFLSH, 'noflsh'],
  [TerminalModeOpcode.TOSTOP, 'tostop'],
  [TerminalModeOpcode.IEXTEN, 'iexten'],
  [TerminalModeOpcode.ECHOCTL, 'echoctl'],
  [TerminalModeOpcode.ECHOKE, 'echoke'],
  [TerminalModeOpcode.PENDIN, 'pendin'],
  [TerminalModeOpcode.OPOST, 'opost'],
  [TerminalModeOpcode.OLCUC, 'olcuc'],
  [TerminalModeOpcode.ONLCR, 'onlcr'],
  [TerminalModeOpcode.OCRNL, 'ocrnl'],
  [TerminalModeOpcode.ONOCR, 'onocr'],
  [TerminalModeOpcode.ONLRET, 'onlret'],
  [TerminalModeOpcode.CS7, 'cs7'],
  [TerminalModeOpcode.CS8, 'cs8'],
  [TerminalModeOpcode.PARENB, 'parenb'],
  [TerminalModeOpcode.PARODD, 'parodd'],
]);

/**
 * stty(1) words for the modes (the last of a repeated opcode wins, as in sshd's tty_parse_modes).
 * Characters are written in hex (stty reads a lone digit as that character); 255 is
 * _POSIX_VDISABLE ("undef"). CS7/CS8 are "set" only (clearing one is no instruction). Speeds and
 * opcodes without a Linux equivalent (VDSUSP, VSTATUS, VSWTCH, VFLUSH) are ignored, as sshd does.
 */
export function sttyArguments(modes: readonly TerminalMode[]): string[] {
  const last = new Map<number, number>();
  for (const m of modes) last.set(m.opcode, m.value);
  const out: string[] = [];
  for (const [opcode, value] of last) {
    const c = CHARS.get(opcode);
    if (c !== undefined) {
      out.push(c, value === 255 ? 'undef' : `0x${(value & 0xff).toString(16)}`);
      continue;
    }
    const f = FLAGS.get(opcode);
    if (f === undefined) continue;
    if (f === 'cs7' || f === 'cs8') {
      if (value !== 0) out.push(f);
      continue;
    }
    out.push(value !== 0 ? f : `-${f}`);
  }
  return out;
}

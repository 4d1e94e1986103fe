// Process and temp-dir tracking ("every process is reaped"), and running programs to completion.
// Every child is spawned detached (its own process group, no controlling terminal), tracked, and
// killed together with its /proc descendants by terminate(), on timeout, and when this process
// exits or is signalled.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { binaryPath } from './availability.js';

const liveProcesses = new Set<ChildProcess>();
const liveTempDirs = new Set<string>();

/** Number of harness-spawned processes still running (for tests of the harness itself). */
export function liveProcessCount(): number {
  return liveProcesses.size;
}

/** Pids of all descendants of `pid`, from /proc (empty if /proc is unreadable). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      // Field 4 (ppid) follows the parenthesised comm, which may itself contain spaces or ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Signal the process, its process group (it is spawned detached, so it leads one) and every
 * descendant found in /proc. sshd and dropbear put each connection in a new session (setsid),
 * so the group alone does not reach them.
 */
function signalTree(child: ChildProcess, signal: NodeJS.Signals, extra: readonly number[] = []): number[] {
  const pid = child.pid;
  if (pid === undefined) return [];
  const tree = [...descendants(pid), ...extra];
  if (child.exitCode === null && child.signalCode === null) signalPid(-pid, signal);
  signalPid(pid, signal);
  for (const d of tree) signalPid(d, signal);
  return tree;
}

function reapAllSync(): void {
  for (const c of liveProcesses) signalTree(c, 'SIGKILL');
  liveProcesses.clear();
  // Anything else this process started and left running (a server's session child, a helper) would
  // hold the test runner's pipe open and stall the whole run: it goes too.
  for (const d of descendants(process.pid)) signalPid(d, 'SIGKILL');
  for (const d of liveTempDirs) rmSync(d, { recursive: true, force: true });
  liveTempDirs.clear();
}

process.on('exit', reapAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    reapAllSync();
    process.kill(process.pid, sig); // the listener is gone now, so this takes the default action
  });
}

export function spawnTracked(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  const child = spawn(cmd, args, {
    // Own process group and no controlling terminal: no client can prompt on /dev/tty, and
    // the whole group can be signalled at once.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: env === undefined ? process.env : { ...process.env, ...env },
    ...(cwd === undefined ? {} : { cwd }),
  });
  if (child.pid !== undefined) {
    liveProcesses.add(child);
    child.once('exit', () => liveProcesses.delete(child));
  }
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, SIGKILL after `graceMs`, then await exit; stray descendants get SIGKILL too. */
export async function terminate(child: ChildProcess, graceMs = 2000): Promise<void> {
  // Descendants first, while their parents still live to reap them; otherwise they are handed to
  // init as zombies (which a container's pid 1 may be slow to collect).
  if (child.pid !== undefined) {
    const early = descendants(child.pid);
    for (const d of early) signalPid(d, 'SIGTERM');
    const until = Date.now() + 500;
    while (early.some((d) => existsSync(`/proc/${d}`)) && Date.now() < until) await sleep(20);
  }
  const tree = signalTree(child, 'SIGTERM');
  const timer = setTimeout(() => signalTree(child, 'SIGKILL', tree), graceMs);
  await exited(child);
  clearTimeout(timer);
  for (const d of tree) signalPid(d, 'SIGKILL');
  liveProcesses.delete(child);
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** A fresh directory under os.tmpdir(); removed by remove(), after the test (if t), and at exit. */
export async function makeTempDir(t?: TestContext, prefix = 'hush-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  liveTempDirs.add(path);
  const dir: TempDir = {
    path,
    async remove() {
      liveTempDirs.delete(path);
      await rm(path, { recursive: true, force: true });
    },
  };
  t?.after(() => dir.remove());
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Running clients and tools

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is closed at once when absent). */
  readonly input?: string | Uint8Array;
  /** The process group gets SIGKILL after this long. Default 20 s. */
  readonly timeoutMs?: number;
  /** Merged over process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Set when the process could not be started (e.g. ENOENT). */
  readonly error?: Error;
  readonly durationMs: number;
}

/** A client command line built by opensshClientArgs / dbclientArgs / plinkArgs. */
export interface ClientCommand {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** Run a program to completion. Always resolves, never hangs: it is killed on timeout. */
export function runClient(command: ClientCommand, opts?: Omit<RunOptions, 'env'>): Promise<RunResult>;
export function runClient(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
export function runClient(
  a: string | ClientCommand,
  b?: readonly string[] | Omit<RunOptions, 'env'>,
  c?: RunOptions,
): Promise<RunResult> {
  if (typeof a !== 'string') return run(a.cmd, a.args, { ...(b as Omit<RunOptions, 'env'> | undefined), env: a.env });
  return run(a, (b as readonly string[] | undefined) ?? [], c ?? {});
}

export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let error: Error | undefined;
    let done = false;
    let child: ChildProcess;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(closeGrace);
      resolve({
        // Node sets exitCode to -errno when spawning fails; report that as "no exit code".
        code: error === undefined ? child.exitCode : null,
        signal: child.signalCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ...(error === undefined ? {} : { error }),
        durationMs: Date.now() - started,
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signalTree(child, 'SIGKILL');
    }, timeoutMs);
    let closeGrace: NodeJS.Timeout | undefined;
    try {
      child = spawnTracked(cmd, args, opts.env, opts.cwd);
    } catch (e) {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: '', stderr: String(e), timedOut, error: e as Error, durationMs: 0 });
      return;
    }
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.stdin?.on('error', () => {}); // EPIPE when the program exits without reading its input
    child.once('error', (e) => {
      error = e;
      err.push(Buffer.from(String(e)));
      finish();
    });
    child.once('close', finish);
    // 'close' waits for stdio to end; a leftover grandchild holding the pipes must not hang us.
    child.once('exit', () => {
      closeGrace = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 1000);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Run a tool that must succeed; rejects with its output otherwise. */
export async function runTool(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(binaryPath(cmd), args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (code ${r.code}, signal ${r.signal}${r.timedOut ? ', timed out' : ''}):\n${r.stdout}${r.stderr}`,
    );
  }
  return r;
}


/** true if process `pid` exists (and is not a zombie). */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}


export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

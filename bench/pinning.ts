/**
 * Where the bulk throughput runs put their processes: the client side (ssh with its head, or a
 * Node client) on one CPU, the server side (the server with the head/cat it runs) on another,
 * as two machines would have them.
 *
 * Why: on a 2-core machine the four processes of a transfer (head | ssh -> server -> cat) share
 * two CPUs, and where Linux puts them decided the figure more than the implementations did.
 * Measured by hand on hushd (1 GiB aes128-gcm uploads into `cat`): 0.83-0.96 s with cat on the
 * server's CPU, 1.5-1.8 s with cat on the other one; left to the scheduler, 1.1-1.8 s from one
 * run to the next, because it kept the server beside ssh, which woke it for every packet. The
 * ssh2 server and sshd moved the same way (ssh2: 0.96 s against 1.3 s). Pinned, each
 * implementation is measured in the same placement, and the spread between runs shrinks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Pinning {
  /** CPU list (taskset syntax) for clients: ssh and its head, the Node clients. */
  client: string;
  /** CPU list for servers and everything they start. */
  server: string;
}

/** A CPU list as Linux writes it ("0-1", "0,2-3", "5"), as CPU numbers. */
export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !(Number.isInteger(b) && b >= a!))) return [];
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
  });
}

/** The CPUs this process may run on, from /proc/self/status. */
function allowedCpus(): number[] {
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return m ? parseCpuList(m[1]!) : [];
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Two CPUs, one for each side, or undefined (fewer than two CPUs, no taskset, not Linux). */
export function throughputPinning(): Pinning | undefined {
  if (process.platform !== 'linux' || !hasTaskset()) return undefined;
  const cpus = allowedCpus();
  if (cpus.length < 2) return undefined;
  return { client: String(cpus[0]), server: String(cpus[1]) };
}

/** Moves a running process and all its threads to `cpus`; what it starts later inherits them. */
export function pinProcess(pid: number, cpus: string | undefined): void {
  if (cpus !== undefined) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** `cmd args` started on `cpus` (unchanged when there is no pinning). */
export function pinnedCommand(cmd: string, args: readonly string[], cpus: string | undefined): [string, string[]] {
  return cpus === undefined ? [cmd, [...args]] : ['taskset', ['-c', cpus, cmd, ...args]];
}

export function describePinning(p: Pinning | undefined): string {
  return p
    ? `bulk throughput: clients on CPU ${p.client}, servers (with the head/cat they run) on CPU ${p.server} (taskset), as on two machines; library pairs in one process are not pinned`
    : 'bulk throughput: processes not pinned (fewer than two CPUs, or no taskset)';
}

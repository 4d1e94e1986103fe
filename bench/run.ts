/**
 * `npm run bench`: hush's speed, measured. This first version covers the transport layer:
 *   1. packet protection (seal + open of 32 KiB packets) per cipher, next to the raw node:crypto
 *      speed of the same primitives on the same data;
 *   2. key exchanges per second per method (method only, and full in-memory transport handshakes).
 * Repeats each measurement, quotes the median and shows the spread. Results also go to
 * bench/results/latest.json and bench/results/latest.md. `--quick` uses small sizes (the test
 * suite runs it once to prove the benchmark still works). `--only scale,channels` runs only the
 * named sections (crypto, kex, throughput, setup, scale, channels) and writes no results file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrivateKey } from '../src/keys/private-key.js';
import { Transport } from '../src/transport/transport.js';
import { HUSH_VERSION } from '../src/version.js';
import { benchPacketProtection } from './crypto.js';
import { benchKex } from './kex.js';
import { benchThroughput, type ThroughputResult } from './throughput.js';
import { benchServerThroughput, type ServerThroughputResult } from './throughput-server.js';
import { benchSetup, SETUP_GENERATORS } from './setup.js';
import { benchScale, scaleTable } from './scale.js';
import { benchChannels, channelsTable } from './channels.js';
import { SSH2_VERSION, ssh2UsesBinding } from './ssh2-load.js';
import { describePinning, throughputPinning } from './pinning.js';

interface Row {
  group: string;
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  reference?: { name: string; median: number };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Complete client<->server transport handshakes per second (both ends in this process). */
function handshakesPerSecond(kex: string, seconds: number): number {
  const hostKeys = [PrivateKey.generate('ed25519')];
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    const c = new Transport({ role: 'client', algorithms: { kex: [kex] } });
    const s = new Transport({ role: 'server', hostKeys });
    let done = false;
    for (let round = 0; round < 20 && !done; round++) {
      for (let b = c.pollTransmit(); b; b = c.pollTransmit()) s.receive(b);
      for (let b = s.pollTransmit(); b; b = s.pollTransmit()) c.receive(b);
      for (let e = c.pollEvent(); e; e = c.pollEvent()) {
        if (e.type === 'hostKey') c.answerHostKey(e.id, true);
        if (e.type === 'kex') done = true;
        if (e.type === 'closed') throw e.error ?? new Error('closed');
      }
      while (s.pollEvent());
    }
    if (!done) throw new Error(`handshake with ${kex} did not finish`);
    n++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return n / elapsed;
}

/** One table: rows per (cipher, direction), a column per implementation, then the ratios. */
function sideBySide(
  title: string,
  results: Array<ThroughputResult | ServerThroughputResult>,
  columns: string[],
  ratios: Array<[string, string]>,
): { lines: string[]; json: unknown } {
  const groups = new Map<string, Array<ThroughputResult | ServerThroughputResult>>();
  for (const r of results) {
    const k = `${r.cipher}|${r.direction}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const lines = [
    `## ${title}`,
    '',
    `| cipher | direction | ${columns.join(' | ')} | ${ratios.map(([a, b]) => `${a} / ${b}`).join(' | ')} |`,
    `|---|---|${columns.map(() => '---:').join('|')}|${ratios.map(() => '---:').join('|')}|`,
  ];
  const json: unknown[] = [];
  for (const [k, rs] of groups) {
    const [cipher, direction] = k.split('|');
    const med = new Map(columns.map((c) => [c, stats(rs.filter((r) => r.implementation === c).map((r) => r.mibPerSec))]));
    json.push({ cipher, direction, ...Object.fromEntries(med) });
    const cells = columns.map((c) => {
      const m = med.get(c)!;
      return `${fmt(m.median)} (${fmt(m.min)}-${fmt(m.max)})`;
    });
    const rat = ratios.map(([a, b]) => `${(med.get(a)!.median / med.get(b)!.median).toFixed(2)}x`);
    lines.push(`| ${cipher} | ${direction} | ${cells.join(' | ')} | ${rat.join(' | ')} |`);
  }
  return { lines, json };
}

/**
 * Where the server-side time goes: CPU seconds per GiB of each server (its process and the
 * head/cat it ran) and of the ssh client with its head, medians. On a 2-core machine the three
 * processes share two cores, so a server's CPU per GiB bounds its throughput.
 */
function cpuTable(results: ServerThroughputResult[]): { lines: string[]; json: unknown } {
  const servers = ['ssh -> hush server', 'ssh -> sshd', 'ssh -> ssh2 server', 'ssh -> ssh2 server (pure JS)'];
  const groups = new Map<string, ServerThroughputResult[]>();
  for (const r of results) {
    if (r.serverCpuPerGiB === undefined) continue;
    const k = `${r.cipher}|${r.direction}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const lines = [
    '## CPU per GiB, server side: each server with its head/cat, and the OpenSSH ssh client with its head (CPU seconds per GiB, median)',
    '',
    `| cipher | direction | ${servers.map((s) => s.replace('ssh -> ', '')).join(' | ')} | ssh client (with each, in that order) | hush server / sshd |`,
    `|---|---|${servers.map(() => '---:').join('|')}|---:|---:|`,
  ];
  const json: unknown[] = [];
  for (const [k, rs] of groups) {
    const [cipher, direction] = k.split('|');
    const med = (impl: string, f: 'serverCpuPerGiB' | 'clientCpuPerGiB') => stats(rs.filter((r) => r.implementation === impl).map((r) => r[f] ?? 0)).median;
    const server = servers.map((s) => med(s, 'serverCpuPerGiB'));
    const client = servers.map((s) => med(s, 'clientCpuPerGiB'));
    json.push({ cipher, direction, server: Object.fromEntries(servers.map((s, i) => [s, server[i]])), client: Object.fromEntries(servers.map((s, i) => [s, client[i]])) });
    lines.push(`| ${cipher} | ${direction} | ${server.map((x) => x.toFixed(2)).join(' | ')} | ${client.map((x) => x.toFixed(2)).join(' / ')} | ${(server[0]! / server[1]!).toFixed(2)}x |`);
  }
  return { lines, json };
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const reps = quick ? 1 : 5;
  const rows: Row[] = [];
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? '').split(',') : undefined;
  const want = (section: string) => !only || only.includes(section);
  const unknown = only?.filter((s) => !['crypto', 'kex', 'throughput', 'setup', 'scale', 'channels'].includes(s));
  if (unknown?.length) throw new Error(`--only: unknown section(s) ${unknown.join(', ')} (crypto, kex, throughput, setup, scale, channels)`);

  const protection = new Map<string, { ours: number[]; raw: number[]; rawName: string }>();
  for (let i = 0; i < (want('crypto') ? reps : 0); i++) {
    for (const r of await benchPacketProtection({ quick })) {
      const e = protection.get(r.name) ?? { ours: [], raw: [], rawName: r.rawName };
      e.ours.push(r.mibPerSec);
      e.raw.push(r.rawMibPerSec);
      protection.set(r.name, e);
    }
  }
  for (const [name, e] of protection) {
    rows.push({ group: 'packet protection (seal+open, 32 KiB packets)', name, unit: 'MiB/s', ...stats(e.ours), reference: { name: e.rawName, median: stats(e.raw).median } });
  }

  const kex = new Map<string, number[]>();
  for (let i = 0; i < (want('kex') ? reps : 0); i++) {
    for (const r of await benchKex({ quick })) kex.set(r.name, [...(kex.get(r.name) ?? []), r.perSecond]);
  }
  for (const [name, xs] of kex) rows.push({ group: 'key exchange method (client+server, sign+verify)', name, unit: 'kex/s', ...stats(xs) });

  for (const method of want('kex') ? ['mlkem768x25519-sha256', 'curve25519-sha256', 'ecdh-sha2-nistp256', 'diffie-hellman-group14-sha256'] : []) {
    const xs: number[] = [];
    for (let i = 0; i < reps; i++) xs.push(handshakesPerSecond(method, quick ? 0.2 : 1));
    rows.push({ group: 'full transport handshake in memory (ed25519 host key)', name: method, unit: 'handshakes/s', ...stats(xs) });
  }

  // Bulk throughput, side by side: client side against the same sshd, then server side and library pairs.
  const tpReps = quick ? 1 : 3;
  const clientSide = want('throughput') ? await benchThroughput({ quick, reps: tpReps }) : [];
  const serverSide = want('throughput') ? await benchServerThroughput({ quick, reps: tpReps }) : [];
  const size = quick ? '16 MiB' : '1 GiB';
  const tables = !want('throughput') ? [] : [
    sideBySide(`bulk throughput of one channel, client side, against OpenSSH sshd (${size} per transfer, MiB/s, median (min-max); each client a fresh process, in an order rotated at each repetition)`, clientSide, ['hush client', 'OpenSSH ssh', 'ssh2 client', 'ssh2 client (pure JS)'], [['hush client', 'OpenSSH ssh'], ['hush client', 'ssh2 client'], ['hush client', 'ssh2 client (pure JS)']]),
    sideBySide(`bulk throughput of one channel, server side, OpenSSH ssh as the client (${size}, MiB/s; each server first given one unmeasured ${quick ? '1 MiB' : '128 MiB'} transfer per cipher and direction; order rotated at each repetition)`, serverSide, ['ssh -> hush server', 'ssh -> sshd', 'ssh -> ssh2 server', 'ssh -> ssh2 server (pure JS)'], [['ssh -> hush server', 'ssh -> sshd'], ['ssh -> hush server', 'ssh -> ssh2 server'], ['ssh -> hush server', 'ssh -> ssh2 server (pure JS)']]),
    cpuTable(serverSide),
    sideBySide(`bulk throughput, library to library in one process (${size}, MiB/s)`, serverSide, ['hush <-> hush', 'ssh2 <-> ssh2', 'ssh2 <-> ssh2 (pure JS)'], [['hush <-> hush', 'ssh2 <-> ssh2'], ['hush <-> hush', 'ssh2 <-> ssh2 (pure JS)']]),
  ];

  // Connection setup: latency and sustained rate, same load generator for all three servers.
  const setup = want('setup') ? await benchSetup({ quick }) : [];
  const setupLines = !want('setup') ? [] : [
    `## connection setup: connect + kex + publickey auth + exec true (load generator: hush client, in ${SETUP_GENERATORS} processes for the rate; ${quick ? 'quick' : '40 sequential, then 20 concurrent for 5 s'}; ${setup[0]?.home === 'real' ? "sessions in root's real home" : 'sessions in an empty home'})`,
    '',
    '| server | kex | p50 ms | p90 ms | connections/s | server CPU, cores | generators CPU, cores | conn/s vs 1 process | conn/s vs sshd | conn/s vs ssh2 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...setup.map((r) => {
      const sshd = setup.find((x) => x.server === 'OpenSSH sshd' && x.kex === 'curve25519-sha256');
      const s2 = setup.find((x) => x.server === 'ssh2 server' && x.kex === 'curve25519-sha256');
      const one = setup.find((x) => x.server === 'hush server' && x.kex === r.kex);
      const vs = (o: typeof sshd) => (o && r.server.startsWith('hush server') ? `${(r.perSecond / o.perSecond).toFixed(2)}x` : '');
      return `| ${r.server} | ${r.kex} | ${fmt(r.p50Ms)} | ${fmt(r.p90Ms)} | ${fmt(r.perSecond)} | ${r.serverCores.toFixed(2)} | ${r.generatorCores.toFixed(2)} | ${r.server === 'hush server, Workers 2' ? vs(one) : ''} | ${vs(sshd)} | ${vs(s2)} |`;
    }),
  ];

  // Scale: server memory per idle authenticated connection, and whether they stay usable.
  const scale = want('scale') ? await benchScale({ quick }) : [];
  // Many channels on one connection, library to library.
  const channels = want('channels') ? channelsTable(await benchChannels({ quick, reps: tpReps })) : undefined;

  const header = [
    `hush ${HUSH_VERSION} benchmark${quick ? ' (--quick)' : ''}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `node ${process.version}, OpenSSL ${process.versions.openssl}; ${reps} repetition(s), median [min-max]`,
    describePinning(throughputPinning()),
    `ssh2 ${SSH2_VERSION} as installed: crypto ${ssh2UsesBinding('installed') ? 'in its native binding (sshcrypto.node, built at install)' : 'in JavaScript (its native binding was not built)'}; "pure JS": the same package without the binding`,
  ];
  const lines: string[] = [];
  let group = '';
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group;
      lines.push('', `## ${group}`, '', `| algorithm | ${r.unit} | spread | raw primitive | raw ${r.unit} | hush / raw |`, '|---|---:|---:|---|---:|---:|');
    }
    const ref = r.reference;
    lines.push(
      `| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)}-${fmt(r.max)} | ${ref?.name ?? ''} | ${ref ? fmt(ref.median) : ''} | ${ref ? `${((r.median / ref.median) * 100).toFixed(0)}%` : ''} |`,
    );
  }
  for (const t of tables) lines.push('', ...t.lines);
  lines.push('', ...setupLines);
  if (scale.length) lines.push('', ...scaleTable(scale, quick));
  if (channels) lines.push('', ...channels.lines);
  const md = [...header.map((h, i) => (i === 0 ? `# ${h}` : h + '  ')), ...lines].join('\n') + '\n';
  console.log(md);
  if (only) return console.log(`--only ${only.join(',')}: results not written (bench/results/ keeps the last complete run)`);
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = quick ? 'quick' : 'latest';
  writeFileSync(join(dir, `${base}.json`), JSON.stringify({ header, quick, rows, throughput: tables.map((t) => t.json), setup, scale, channels: channels?.json }, null, 2) + '\n');
  writeFileSync(join(dir, `${base}.md`), md);
  console.log(`written: bench/results/${base}.json, bench/results/${base}.md`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

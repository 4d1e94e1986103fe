/** The benchmark still works (no timing is asserted: speed is measured by `npm run bench`, not by tests). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CIPHERS } from '../../src/crypto/cipher-registry.js';
import { DEFAULT_KEX } from '../../src/kex/registry.js';
import { CHANNEL_CIPHERS, CHANNELS } from '../../bench/channels.js';
import { parseCpuList, pinnedCommand } from '../../bench/pinning.js';
import { rotated } from '../../bench/order.js';

test('bench pinning: CPU lists as Linux writes them, and commands wrapped in taskset only when pinned', () => {
  assert.deepEqual(parseCpuList('0-1'), [0, 1]);
  assert.deepEqual(parseCpuList('0,2-4,7'), [0, 2, 3, 4, 7]);
  assert.deepEqual(parseCpuList('3'), [3]);
  assert.deepEqual(parseCpuList('x'), []);
  assert.deepEqual(pinnedCommand('ssh', ['-p', '22'], '1'), ['taskset', ['-c', '1', 'ssh', '-p', '22']]);
  assert.deepEqual(pinnedCommand('ssh', ['-p', '22'], undefined), ['ssh', ['-p', '22']]);
});

test('bench order: each implementation takes each place in turn across repetitions', () => {
  const names = ['hush', 'sshd', 'ssh2', 'ssh2 js'];
  assert.deepEqual(rotated(names, 0), names);
  assert.deepEqual(rotated(names, 1), ['sshd', 'ssh2', 'ssh2 js', 'hush']);
  assert.deepEqual(rotated(names, 5), rotated(names, 1));
  assert.deepEqual(rotated(names, -1), ['ssh2 js', 'hush', 'sshd', 'ssh2']);
  assert.deepEqual(rotated([], 3), []);
  // Over as many repetitions as there are implementations, each was first exactly once.
  const firsts = names.map((_, rep) => rotated(names, rep)[0]);
  assert.deepEqual([...firsts].sort(), [...names].sort());
  assert.deepEqual(names, ['hush', 'sshd', 'ssh2', 'ssh2 js'], 'the input is not reordered');
});

test('npm run bench -- --quick runs every section and writes its results', () => {
  const r = spawnSync(process.execPath, ['dist/bench/run.js', '--quick'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bulk throughput: (clients on CPU \d+, servers .* on CPU \d+|processes not pinned)/, 'where the throughput runs put their processes');
  assert.match(r.stdout, /server side, OpenSSH ssh as the client \(16 MiB, MiB\/s; each server first given one unmeasured 1 MiB transfer/, 'the server-side table says the servers were warmed up');
  for (const c of DEFAULT_CIPHERS) assert.match(r.stdout, new RegExp(`\\| ${c.replace(/[.]/g, '\\.')}[ |]`), `row for ${c}`);
  for (const k of DEFAULT_KEX) assert.ok(r.stdout.includes(`| ${k} |`), `row for ${k}`);
  const json = JSON.parse(readFileSync('bench/results/quick.json', 'utf8')) as {
    rows: Array<{ median: number }>;
    scale: Array<{ server: string; connections: number; beforeKiB: number; afterKiB: number; kibPerConnection: number; sampled: number; usable: number }>;
    channels: Array<{ cipher: string; verified: { hush: number; ssh2: number }; 'hush <-> hush': { median: number }; 'ssh2 <-> ssh2': { median: number } }>;
  };
  assert.ok(json.rows.length >= DEFAULT_CIPHERS.length + DEFAULT_KEX.length);
  for (const row of json.rows) assert.ok(row.median > 0);

  // Scale: every server held its connections, and a sample of 20 of them still ran a command.
  assert.ok(r.stdout.includes('## scale: server memory per idle connection (authenticated with publickey ed25519, no channel open'), 'scale table');
  for (const server of ['hush server', 'ssh2 server', 'OpenSSH sshd']) {
    assert.match(r.stdout, new RegExp(`\\| ${server} \\| 50 \\| [^\\n]*\\| usable: 20/20 \\|`), `scale row for ${server}`);
    const row = json.scale.find((s) => s.server === server);
    assert.ok(row, `scale JSON for ${server}`);
    assert.equal(row.connections, 50);
    assert.equal(row.sampled, 20);
    assert.equal(row.usable, 20);
    assert.ok(row.beforeKiB > 0 && row.afterKiB > 0 && Number.isFinite(row.kibPerConnection));
  }

  // Connection setup: a row per server, hushd as one process and with Workers 2.
  for (const server of ['hush server', 'hush server, Workers 2', 'OpenSSH sshd', 'ssh2 server']) {
    assert.ok(r.stdout.includes(`| ${server} | curve25519-sha256 |`), `setup row for ${server}`);
  }

  // Many channels: every channel of both libraries received exactly its bytes.
  assert.ok(r.stdout.includes(`## many channels: ${CHANNELS} concurrent session channels on one connection`), 'channels table');
  for (const c of CHANNEL_CIPHERS) {
    assert.ok(r.stdout.includes(`| ${c} |`) && new RegExp(`\\| ${c.replace(/[.]/g, '\\.')} \\|[^\\n]*\\| hush ${CHANNELS}/${CHANNELS}, ssh2 ${CHANNELS}/${CHANNELS} \\|`).test(r.stdout), `channels row for ${c}`);
    const row = json.channels.find((x) => x.cipher === c);
    assert.ok(row, `channels JSON for ${c}`);
    assert.deepEqual(row.verified, { hush: CHANNELS, ssh2: CHANNELS });
    assert.ok(row['hush <-> hush'].median > 0 && row['ssh2 <-> ssh2'].median > 0);
  }
});

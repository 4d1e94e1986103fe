/**
 * PuTTY's plink and Dropbear's dbclient run commands on the hush server: output, stdin, exit
 * status, and plink's pseudo-terminal with the size it asks for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbclientArgs, plinkArgs, requirePeer, runClient, toDropbearKey, toPuttyKey } from '../harness/peers.js';
import { startFixture } from './fixture.js';

test('plink -batch runs commands with their exit status, stdin and a pty of the size it asks for', async (t) => {
  if (!requirePeer('putty', t)) return;
  const fx = await startFixture(t);
  const ppk = await toPuttyKey(fx.key.privatePath);
  const plink = (command: string[], extra: string[] = [], input?: string) =>
    runClient(
      plinkArgs({ dir: fx.dir, port: fx.port, user: 'tester', hostKeys: [fx.hostKeyFingerprint], identityFile: ppk, extra, command }),
      { timeoutMs: 20_000, ...(input !== undefined ? { input } : {}) },
    );
  for (const code of [0, 3, 42]) {
    const r = await plink([`echo plink; exit ${code}`]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, 'plink\n');
  }
  const e = await plink(["echo out; echo err >&2"]);
  assert.equal(e.stdout, 'out\n');
  assert.equal(e.stderr, 'err\n');
  const c = await plink(['wc -l'], [], 'a\nb\nc\n');
  assert.equal(c.stdout.trim(), '3');
  // -t: plink without a terminal of its own asks for its configured 80x24.
  const p = await plink(['tty; stty size'], ['-t']);
  assert.match(p.stdout.replace(/\r/g, ''), /^\/dev\/pts\/\d+\n24 80\n/);
});

test('dbclient runs commands with their exit status and stdin', async (t) => {
  if (!requirePeer('dropbear-client', t)) return;
  const fx = await startFixture(t);
  const key = await toDropbearKey(fx.key.privatePath);
  const db = (command: string[], input?: string) =>
    runClient(dbclientArgs({ dir: fx.dir, port: fx.port, user: 'tester', identityFiles: [key], command }), {
      timeoutMs: 20_000,
      ...(input !== undefined ? { input } : {}),
    });
  for (const code of [0, 1, 42]) {
    const r = await db([`echo dropbear; exit ${code}`]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, 'dropbear\n');
  }
  const c = await db(['tr a-z A-Z'], 'hello\n');
  assert.equal(c.stdout, 'HELLO\n');
  const e = await db(['echo err >&2; exit 5']);
  assert.equal(e.code, 5);
  assert.match(e.stderr, /err\n/);
});

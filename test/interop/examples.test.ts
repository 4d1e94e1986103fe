/** The examples in examples/ run against a real sshd, with a throwaway HOME and known_hosts. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, requirePeer, sshKeygen, startSshd } from '../harness/peers.js';

test('examples/exec.js and examples/stream.js work against OpenSSH sshd', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const home = join(tmp.path, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const id = await sshKeygen(join(home, '.ssh'), 'ed25519', 'id_ed25519');
  const sshd = await startSshd({ t, authorizedKeys: [id.publicLine] });
  try {
    const env = { ...process.env, HOME: home };
    const target = `root@127.0.0.1:${sshd.port}`;
    // Strict by default: the unknown host is refused, nothing is recorded.
    const refused = spawnSync(process.execPath, ['dist/examples/exec.js', target, 'echo', 'hi'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /No ED25519 host key is known/);
    // accept-new records it; then strict checking accepts it.
    const first = spawnSync(process.execPath, ['dist/examples/exec.js', target, 'echo', 'hi'], { env: { ...env, HUSH_ACCEPT_NEW: '1' }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(first.stdout, 'hi\n', first.stderr);
    assert.match(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8'), /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
    const code = spawnSync(process.execPath, ['dist/examples/exec.js', target, 'exit', '9'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(code.status, 9, code.stderr);
    const file = join(tmp.path, 'data.bin');
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(file, data);
    const s = spawnSync(process.execPath, ['dist/examples/stream.js', target, file, 'sha256sum'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(s.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'), s.stderr);
  } finally {
    await sshd.stop();
  }
});

/**
 * Host key trust with known_hosts against a real sshd: StrictHostKeyChecking yes / accept-new /
 * ask / no, changed keys always refused (file and line named), lines hush appends honoured by
 * OpenSSH's ssh, and known key types preferred in the host key algorithm list.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_ALGORITHMS } from '../../src/algorithms/registry.js';
import { SshError } from '../../src/errors.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { formatKnownHostsLine } from '../../src/keys/knownhosts/index.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { knownHostsPolicy, type HostKeyPolicyOptions } from '../../src/node/host-key-policy.js';
import { dialTransport } from '../../src/node/transport-socket.js';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen, startSshd } from '../harness/peers.js';

test('known_hosts policies against OpenSSH sshd', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const sshd = await startSshd({ t, authorizedKeys: [id.publicLine] });
  const blobOf = (type: string) => Buffer.from(sshd.hostKeys.find((k) => k.type === type)!.publicLine.split(' ')[1]!, 'base64');
  const ed = blobOf('ed25519');
  const file = join(tmp.path, 'known_hosts');
  const connect = async (opts: Partial<HostKeyPolicyOptions>, hostKeyAlgorithms?: string[]) => {
    const policy = knownHostsPolicy({ host: '127.0.0.1', port: sshd.port, userKnownHostsFiles: [file], globalKnownHostsFiles: [], ...opts });
    const algorithms = hostKeyAlgorithms ? { hostKey: hostKeyAlgorithms } : { hostKey: policy.hostKeyAlgorithms(DEFAULT_ALGORITHMS.hostKey) };
    const conn = await dialTransport('127.0.0.1', sshd.port, { algorithms }, { verifyHostKey: policy.verifyHostKey });
    try {
      const kex = await conn.waitFor('kex');
      return kex.algorithms.hostKey;
    } finally {
      conn.close();
    }
  };
  const refusal = (re: RegExp) => (e: SshError) => e.code === 'ERR_HOST_KEY_REJECTED' && re.test(e.message);

  await t.test('yes: an unknown host is refused', async () => {
    writeFileSync(file, '');
    await assert.rejects(connect({ strictHostKeyChecking: 'yes' }), refusal(/No ED25519 host key is known for \[127\.0\.0\.1\]:\d+ and you have requested strict checking/));
    assert.equal(readFileSync(file, 'utf8'), '');
  });

  await t.test('ask without an answer is no; ask with yes records the key', async () => {
    await assert.rejects(connect({ strictHostKeyChecking: 'ask' }), refusal(/Host key verification failed/));
    let asked = '';
    await connect({
      strictHostKeyChecking: 'ask',
      ask: (q) => {
        asked = q.message;
        assert.equal(q.fingerprint, fingerprintSha256(ed));
        return false;
      },
    }).catch(() => undefined);
    assert.match(asked, /The authenticity of host '\[127\.0\.0\.1\]:\d+' can't be established\.\nED25519 key fingerprint is SHA256:/);
    assert.equal(readFileSync(file, 'utf8'), '');
    await connect({ strictHostKeyChecking: 'ask', ask: () => true });
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
  });

  await t.test('accept-new records (hashed when asked); then yes accepts; OpenSSH ssh honours the line', async () => {
    for (const hash of [false, true]) {
      writeFileSync(file, '');
      const warnings: string[] = [];
      await connect({ strictHostKeyChecking: 'accept-new', hashKnownHosts: hash, onWarning: (w) => warnings.push(w) });
      assert.deepEqual(warnings, [`Warning: Permanently added '[127.0.0.1]:${sshd.port}' (ED25519) to the list of known hosts.`]);
      const text = readFileSync(file, 'utf8');
      assert.equal(text.startsWith('|1|'), hash);
      assert.equal(await connect({ strictHostKeyChecking: 'yes' }), 'ssh-ed25519');
      const r = await runClient(
        opensshClientArgs({
          dir: tmp.path,
          port: sshd.port,
          identityFiles: [id.privatePath],
          configLines: [`UserKnownHostsFile ${file}`, 'StrictHostKeyChecking yes', 'HostKeyAlgorithms ssh-ed25519'],
          command: ['true'],
        }),
        { timeoutMs: 15_000 },
      );
      assert.equal(r.code, 0, r.stderr);
    }
  });

  await t.test('a changed key is refused in every mode, naming the file and line', async () => {
    const other = PrivateKey.generate('ed25519').publicKey;
    writeFileSync(file, `# a comment\n${formatKnownHostsLine('127.0.0.1', sshd.port, other)}`);
    for (const mode of ['yes', 'accept-new', 'ask', 'no'] as const) {
      await assert.rejects(
        connect({ strictHostKeyChecking: mode, ask: () => true }),
        refusal(new RegExp(`REMOTE HOST IDENTIFICATION HAS CHANGED.*Offending ED25519 key in ${file.replace(/[/.]/g, '\\$&')}:2`)),
      );
    }
    // OpenSSH agrees that this file says "changed".
    const r = await runClient(
      opensshClientArgs({ dir: tmp.path, port: sshd.port, identityFiles: [id.privatePath], configLines: [`UserKnownHostsFile ${file}`, 'StrictHostKeyChecking yes'], command: ['true'] }),
      { timeoutMs: 15_000 },
    );
    assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  await t.test('a revoked key is refused', async () => {
    writeFileSync(file, `@revoked * ssh-ed25519 ${ed.toString('base64')}\n`);
    await assert.rejects(connect({ strictHostKeyChecking: 'no' }), refusal(/REVOKED HOST KEY DETECTED/));
  });

  await t.test('keys already known for the host come first in the host key algorithm list', async () => {
    const ecdsa = blobOf('ecdsa');
    writeFileSync(file, formatKnownHostsLine('127.0.0.1', sshd.port, ecdsa));
    // Default order would pick ssh-ed25519, which this file does not know (OpenSSH calls that "changed").
    await assert.rejects(connect({ strictHostKeyChecking: 'yes' }, [...DEFAULT_ALGORITHMS.hostKey]), refusal(/CHANGED/));
    assert.equal(await connect({ strictHostKeyChecking: 'yes' }), 'ecdsa-sha2-nistp256');
  });
});

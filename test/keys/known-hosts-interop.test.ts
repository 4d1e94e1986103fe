// known_hosts against the real OpenSSH tools: files written by ssh-keyscan and ssh-keygen -H
// are honoured by hush; lines hush writes are found by ssh-keygen -F, removed by ssh-keygen -R
// and honoured by ssh with StrictHostKeyChecking yes; hush and ssh agree on changed and
// revoked keys (file and line), wildcards, negation and the host key algorithm order.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, opensshClientArgs, requireBinaries, requirePeer, runClient, sshKeygen, startSshd, type SshdPeer } from '../harness/peers.js';
import { runTool } from '../harness/processes.js';
import { parsePublicKeyFile } from '../../src/keys/formats/index.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { formatKnownHostsLine, KnownHosts, knownHostsName } from '../../src/keys/knownhosts/index.js';

const HOST = '127.0.0.1';

function havePeers(t: TestContext): boolean {
  return (
    requirePeer('openssh-server', t) &&
    requirePeer('openssh-client', t) &&
    requireBinaries('ssh-keyscan', [{ binary: 'ssh-keyscan', debPackage: 'openssh-client' }], t)
  );
}

function blobOf(publicLine: string): Uint8Array {
  return parsePublicKeyFile(publicLine).blob;
}

/** The host key blob of the given type from a harness sshd. */
function hostKey(sshd: SshdPeer, type: 'ed25519' | 'ecdsa' | 'rsa'): Uint8Array {
  const k = sshd.hostKeys.find((h) => h.type === type);
  assert.ok(k, `sshd has no ${type} host key`);
  return blobOf(k.publicLine);
}

interface Login {
  readonly dir: string;
  readonly identity: string;
}

/** ssh -o StrictHostKeyChecking=yes with this known_hosts file, running `true` (or `command`). */
async function sshWith(login: Login, sshd: SshdPeer, knownHosts: string, extraConfig: readonly string[] = []) {
  const cmd = opensshClientArgs({
    dir: login.dir,
    port: sshd.port,
    identityFiles: [login.identity],
    configLines: [`UserKnownHostsFile ${knownHosts}`, 'StrictHostKeyChecking yes', ...extraConfig],
    command: ['true'],
  });
  return runClient(cmd, { timeoutMs: 20_000 });
}

async function setup(t: TestContext, hostKeyTypes?: readonly ('ed25519' | 'ecdsa' | 'rsa')[]) {
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const sshd = await startSshd({ t, authorizedKeys: [id.publicLine], ...(hostKeyTypes === undefined ? {} : { hostKeyTypes }) });
  return { tmp: tmp.path, sshd, login: { dir: tmp.path, identity: id.privatePath } };
}

test('a file written by ssh-keyscan -H -p PORT against a real sshd is honoured', async (t) => {
  if (!havePeers(t)) return;
  const { sshd } = await setup(t);
  const scan = await runClient('ssh-keyscan', ['-H', '-p', String(sshd.port), HOST], { timeoutMs: 20_000 });
  assert.equal(scan.code, 0, scan.stderr);
  const kh = KnownHosts.parse(scan.stdout, 'keyscan');
  assert.deepEqual(kh.errors, []);
  assert.equal(kh.entries.length, 3, scan.stdout);
  assert.ok(kh.entries.every((e) => e.hashed && e.marker === 'none'));
  for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
    const r = kh.lookup(HOST, sshd.port, hostKey(sshd, type));
    assert.equal(r.status, 'known', type);
  }
  assert.equal(kh.lookup(HOST, sshd.port + 1, hostKey(sshd, 'ed25519')).status, 'unknown');
  assert.equal(kh.lookup('localhost', sshd.port, hostKey(sshd, 'ed25519')).status, 'unknown');
  const stranger = kh.lookup(HOST, sshd.port, PrivateKey.generate('ed25519').publicKey);
  assert.equal(stranger.status, 'changed');
  assert.deepEqual(new Set(kh.knownHostKeyTypes(HOST, sshd.port)), new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']));
});

test('lines hush writes are found by ssh-keygen -F and honoured by ssh (plain, hashed, with ports)', async (t) => {
  if (!havePeers(t)) return;
  const { tmp, sshd, login } = await setup(t);
  const name = knownHostsName(HOST, sshd.port);
  assert.equal(name, `[127.0.0.1]:${sshd.port}`);
  const variants = [
    { label: 'plain ed25519', lines: formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, 'ed25519')) },
    { label: 'hashed ed25519', lines: formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, 'ed25519'), { hash: true }) },
    { label: 'hashed ecdsa', lines: formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, 'ecdsa'), { hash: true }) },
    { label: 'plain rsa', lines: formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, 'rsa')) },
    {
      label: 'all three, hashed',
      lines: (['ed25519', 'ecdsa', 'rsa'] as const).map((k) => formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, k), { hash: true })).join(''),
    },
  ];
  for (const [i, v] of variants.entries()) {
    const file = join(tmp, `kh-${i}`);
    const text = `# written by hush\n${formatKnownHostsLine('elsewhere.example', 22, hostKey(sshd, 'ed25519'))}${v.lines}`;
    await writeFile(file, text);
    const found = await runTool('ssh-keygen', ['-F', name, '-f', file]);
    const lines = [...found.stdout.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(lines, KnownHosts.parse(text).entriesFor(HOST, sshd.port).map((e) => e.line), v.label);
    assert.ok(lines.length >= 1 && lines[0] === 3, `${v.label}: ${found.stdout}`);
    const r = await sshWith(login, sshd, file);
    assert.equal(r.code, 0, `${v.label}: ssh refused the host key:\n${r.stderr}`);
  }
  // Control: the same line for another port is not enough for ssh (nor for hush).
  const wrongPort = join(tmp, 'kh-wrong-port');
  await writeFile(wrongPort, formatKnownHostsLine(HOST, sshd.port + 1, hostKey(sshd, 'ed25519'), { hash: true }));
  const r = await sshWith(login, sshd, wrongPort);
  assert.equal(r.code, 255);
  assert.match(r.stderr, /No .* host key is known for \[127\.0\.0\.1\]:\d+ and you have requested strict checking/);
  const kh = KnownHosts.parse(await readFile(wrongPort, 'utf8'));
  assert.equal(kh.lookup(HOST, sshd.port, hostKey(sshd, 'ed25519')).status, 'unknown');
});

test('a changed host key: hush and ssh name the same file and line', async (t) => {
  if (!havePeers(t)) return;
  const { tmp, sshd, login } = await setup(t, ['ed25519']);
  const presented = hostKey(sshd, 'ed25519');
  const other = PrivateKey.generate('ed25519').publicKey;
  const rsa = PrivateKey.generate('rsa', 2048).publicKey;

  const cases = [
    { label: 'same type', text: `# comment\n\n${formatKnownHostsLine(HOST, sshd.port, other)}`, line: 3, type: 'ED25519', otherTypesOnly: false },
    { label: 'other type only', text: formatKnownHostsLine(HOST, sshd.port, rsa, { hash: true }), line: 1, type: 'RSA', otherTypesOnly: true },
    {
      label: 'two recorded keys',
      text: formatKnownHostsLine(HOST, sshd.port, other) + formatKnownHostsLine('unrelated', 22, other) + formatKnownHostsLine(HOST, sshd.port, rsa),
      line: 3,
      type: 'RSA',
      otherTypesOnly: false,
    },
  ];
  for (const c of cases) {
    const file = join(tmp, `changed-${c.line}-${c.type}-${c.otherTypesOnly}`);
    await writeFile(file, c.text);
    const kh = new KnownHosts([{ path: file, text: c.text }]);
    const r = kh.lookup(HOST, sshd.port, presented);
    assert.equal(r.status, 'changed', c.label);
    if (r.status !== 'changed') continue;
    assert.equal(r.offending.path, file);
    assert.equal(r.offending.line, c.line, c.label);
    assert.equal(r.otherTypesOnly, c.otherTypesOnly, c.label);
    const ssh = await sshWith(login, sshd, file);
    assert.equal(ssh.code, 255, c.label);
    assert.match(ssh.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/, c.label);
    assert.ok(ssh.stderr.includes(`Offending ${c.type} key in ${file}:${c.line}`), `${c.label}:\n${ssh.stderr}`);
  }
});

test('revoked keys, wildcards and negation: hush and ssh agree', async (t) => {
  if (!havePeers(t)) return;
  const { tmp, sshd, login } = await setup(t, ['ed25519']);
  const key = hostKey(sshd, 'ed25519');
  const body = formatKnownHostsLine('x', 22, key).slice(2); // "ssh-ed25519 AAAA...\n"
  const p = sshd.port;
  const cases: { label: string; text: string; status: string; ssh: RegExp | 0 }[] = [
    { label: 'wildcards', text: `[127.0.0.?]:* ${body}`, status: 'known', ssh: 0 },
    { label: 'star in the port', text: `[127.0.0.1]:${String(p).slice(0, 2)}* ${body}`, status: 'known', ssh: 0 },
    { label: 'one of a list', text: `a.example,[127.0.0.1]:${p},b.example ${body}`, status: 'known', ssh: 0 },
    { label: 'negated', text: `[127.0.0.*]:*,![127.0.0.1]:${p} ${body}`, status: 'unknown', ssh: /No ED25519 host key is known/ },
    { label: 'negation first', text: `![127.0.0.1]:${p},[*]:* ${body}`, status: 'unknown', ssh: /No ED25519 host key is known/ },
    // "[127.0.0.1]:PORT" is negated, so unknown; then the retry without the port matches "*".
    { label: 'negated with port, matched without', text: `![127.0.0.1]:${p},* ${body}`, status: 'known', ssh: 0 },
    { label: 'port 22 name', text: `127.0.0.1 ${body}`, status: 'known', ssh: 0 }, // ssh retries without the port
    { label: 'revoked', text: `[127.0.0.1]:${p} ${body}@revoked * ${body}`, status: 'revoked', ssh: /REVOKED HOST KEY DETECTED/ },
    { label: 'revoked for this host only', text: `* ${body}@revoked [127.0.0.1]:${p} ${body}`, status: 'revoked', ssh: /marked as revoked/ },
    { label: 'revoked for another host', text: `* ${body}@revoked other.example ${body}`, status: 'known', ssh: 0 },
  ];
  for (const [i, c] of cases.entries()) {
    const file = join(tmp, `pattern-${i}`);
    await writeFile(file, c.text);
    const kh = KnownHosts.parse(c.text, file);
    assert.deepEqual(kh.errors, [], c.label);
    assert.equal(kh.lookup(HOST, p, key).status, c.status, c.label);
    const r = await sshWith(login, sshd, file);
    if (c.ssh === 0) assert.equal(r.code, 0, `${c.label}:\n${r.stderr}`);
    else {
      assert.equal(r.code, 255, c.label);
      assert.match(r.stderr, c.ssh, c.label);
    }
  }
});

test('ssh-keygen -H hashes a file hush wrote; ssh-keygen -R removes lines hush wrote', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const k1 = PrivateKey.generate('ed25519').publicKey;
  const k2 = PrivateKey.generate('ecdsa-p384').publicKey;
  const file = join(tmp.path, 'known_hosts');
  const text =
    formatKnownHostsLine('Server.Example', 2222, k1) +
    formatKnownHostsLine('server.example', 22, k2, { address: '192.0.2.10' }) +
    formatKnownHostsLine('other.example', 22, k1, { hash: true }) +
    formatKnownHostsLine('server.example', 2222, k2, { hash: true });
  await writeFile(file, text);

  await runTool('ssh-keygen', ['-H', '-f', file]);
  const hashed = KnownHosts.parse(await readFile(file, 'utf8'));
  assert.deepEqual(hashed.errors, []);
  assert.ok(hashed.entries.every((e) => e.hashed), 'ssh-keygen -H left a name in clear');
  assert.equal(hashed.lookup('server.example', 2222, k1).status, 'known');
  assert.equal(hashed.lookup('server.example', 2222, k2).status, 'known');
  assert.equal(hashed.lookup('server.example', 22, k2).status, 'known');
  assert.equal(hashed.lookup('192.0.2.10', 22, k2).status, 'known');
  assert.equal(hashed.lookup('other.example', 22, k1).status, 'known');

  await writeFile(file, text);
  await runTool('ssh-keygen', ['-R', '[server.example]:2222', '-f', file]);
  const left = KnownHosts.parse(await readFile(file, 'utf8'));
  assert.deepEqual(left.entriesFor('server.example', 2222), []);
  assert.equal(left.lookup('server.example', 2222, k1).status, 'unknown');
  // k2 is still recorded for plain "server.example", which ssh falls back to for other ports.
  const fallback = left.lookup('server.example', 2222, k2);
  assert.equal(fallback.status, 'known');
  assert.equal(fallback.status === 'known' && fallback.withoutPort, true);
  assert.equal(left.lookup('server.example', 22, k2).status, 'known');
  assert.equal(left.lookup('other.example', 22, k1).status, 'known');
});

test('ssh-keygen -F and hush pick the same lines for a host (patterns, hashes, markers, bad lines)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const key = PrivateKey.generate('ed25519').publicKey;
  const body = formatKnownHostsLine('x', 22, key).slice(2).trimEnd();
  const salt = new Uint8Array(20).fill(3);
  const text = [
    `# header`,
    `*.example.org,!bad.example.org ${body}`,
    `@bogus host.example.org ${body}`,
    `host?.example.org ${body}`,
    `@revoked bad.example.org ${body}`,
    `@cert-authority *.example.org,!host1.example.org ${body}`,
    `hostonly`,
    `[host1.example.org]:2222,[*.example.net]:* ${body}`,
    `host1.example.org ssh-nosuchtype ${body.split(' ')[1]}`,
    formatKnownHostsLine('hashed.example.org', 2200, key, { hash: true, salt }).trimEnd(),
    `HOST2.EXAMPLE.ORG ${body}`,
    `!*.example.net ${body}`,
  ].join('\n');
  const file = join(tmp.path, 'known_hosts');
  await writeFile(file, text + '\n');
  const kh = KnownHosts.parse(text, file);
  const queries: [string, number][] = [
    ['host1.example.org', 22],
    ['host2.example.org', 22],
    ['bad.example.org', 22],
    ['example.org', 22],
    ['host1.example.org', 2222],
    ['a.example.net', 2200],
    ['hashed.example.org', 2200],
    ['hashed.example.org', 22],
    ['nothing.at.all', 22],
  ];
  for (const [host, port] of queries) {
    const name = knownHostsName(host, port);
    const r = await runClient('ssh-keygen', ['-F', name, '-f', file]);
    const theirs = [...r.stdout.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1]));
    const ours = kh.entriesFor(host, port).map((e) => e.line);
    assert.deepEqual(ours, theirs, `${name}: ssh-keygen -F says ${JSON.stringify(theirs)}`);
  }
  assert.deepEqual(kh.errors.map((e) => e.line), [3, 7, 9]);
});

test('host key algorithm order: hush reorders ssh\'s default list exactly as ssh does', async (t) => {
  if (!havePeers(t)) return;
  const { tmp, sshd, login } = await setup(t, ['ed25519', 'ecdsa', 'rsa']);
  const conf = await runClient('ssh', ['-G', '-F', '/dev/null', '-p', String(sshd.port), HOST]);
  const defaults = /^hostkeyalgorithms (\S+)$/m.exec(conf.stdout)?.[1]?.split(',');
  assert.ok(defaults, conf.stdout);
  const cases = [
    { label: 'rsa known', keys: ['rsa'] as const },
    { label: 'ecdsa known', keys: ['ecdsa'] as const },
    { label: 'rsa and ecdsa known', keys: ['rsa', 'ecdsa'] as const },
    { label: 'ed25519 known (verbatim)', keys: ['ed25519'] as const },
  ];
  for (const c of cases) {
    const file = join(tmp, `order-${c.label.replace(/\W+/g, '-')}`);
    const text = c.keys.map((k) => formatKnownHostsLine(HOST, sshd.port, hostKey(sshd, k))).join('');
    await writeFile(file, text);
    const ours = KnownHosts.parse(text, file).hostKeyAlgorithms(HOST, sshd.port, defaults);
    const r = await sshWith(login, sshd, file, ['LogLevel DEBUG3']);
    assert.equal(r.code, 0, r.stderr);
    const theirs = /debug2: host key algorithms: (\S+)/.exec(r.stderr)?.[1]?.split(',');
    assert.deepEqual(ours, theirs, c.label);
  }
});

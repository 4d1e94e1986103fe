// known_hosts parsing, matching, host key checking and writing, from hand-written files. The
// same cases run against ssh, ssh-keygen and ssh-keyscan in known-hosts-interop.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64Encode } from '../../src/keys/base64.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { DEFAULT_HOST_KEY_ALGORITHMS } from '../../src/keys/registry.js';
import {
  formatKnownHostsLine,
  hashHostName,
  KnownHosts,
  knownHostsName,
  matchHostname,
  matchPattern,
  matchPatternList,
  parseKnownHosts,
  plainKeyTypeForAlgorithm,
  preferHostKeyAlgorithms,
} from '../../src/keys/knownhosts/index.js';

const ed1 = PrivateKey.generate('ed25519').publicKey;
const ed2 = PrivateKey.generate('ed25519').publicKey;
const ed3 = PrivateKey.generate('ed25519').publicKey;
const p256 = PrivateKey.generate('ecdsa-p256').publicKey;
const p384 = PrivateKey.generate('ecdsa-p384').publicKey;

/** "type base64" of a blob. */
function k(blob: Uint8Array): string {
  return formatKnownHostsLine('x', 22, blob).slice(2).trim();
}

test('wildcard patterns: * and ? as in OpenSSH match_pattern()', () => {
  const cases: [string, string, boolean][] = [
    ['host', 'host', true],
    ['host', 'hos', false],
    ['host', 'h*', true],
    ['host', '*', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['host', 'h?st', true],
    ['hst', 'h?st', false],
    ['a.b.example.org', '*.example.org', true],
    ['example.org', '*.example.org', false],
    ['abcabd', '*abd', true],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', '*a*a*a*a*a*a*a*a*b', true],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '*a*a*a*a*a*a*a*a*b', false],
    ['[10.0.0.1]:2222', '[10.0.0.?]:*', true],
    ['Host', 'host', false], // matchPattern itself is case-sensitive
  ];
  for (const [s, p, want] of cases) assert.equal(matchPattern(s, p), want, `${s} ~ ${p}`);
});

test('pattern lists: a negated match wins, otherwise any positive match', () => {
  assert.equal(matchPatternList('a.example.org', '*.example.org,!b.example.org'), 'match');
  assert.equal(matchPatternList('b.example.org', '*.example.org,!b.example.org'), 'negated');
  assert.equal(matchPatternList('b.example.org', '!b.example.org,*.example.org'), 'negated');
  assert.equal(matchPatternList('c.example.com', '*.example.org,!b.example.org'), 'none');
  assert.equal(matchPatternList('x', '!y'), 'none'); // a negation alone never matches
  assert.equal(matchPatternList('x', 'a,,x'), 'match');
  assert.equal(matchPatternList('', 'a,,x'), 'match'); // the empty pattern matches the empty string
  assert.equal(matchPatternList('x', `${'y'.repeat(1100)},x`), 'none'); // a pattern too long fails the list
  assert.equal(matchHostname('WWW.Example.ORG', 'www.EXAMPLE.org'), 'match');
});

test('known_hosts lines: markers, comments, blank lines, CRLF, comments after the key', () => {
  const text = [
    '# a comment',
    '',
    '   \t',
    `host1,host2 ${k(ed1)} the comment`,
    `@cert-authority *.example.org ${k(ed2)}`,
    `@revoked\t*\t${k(ed3).replace(' ', '\t')}`,
    `  [host3]:2222\t${k(p256)}\r`,
    `${hashHostName('host4', new Uint8Array(20).fill(7))} ${k(p384)} hashed`,
    '    # indented comment',
  ].join('\n');
  const { entries, errors } = parseKnownHosts(text, '/u/known_hosts');
  assert.deepEqual(errors, []);
  assert.deepEqual(
    entries.map((e) => [e.line, e.marker, e.hosts, e.hashed, e.keyType, e.comment, e.path]),
    [
      [4, 'none', 'host1,host2', false, 'ssh-ed25519', 'the comment', '/u/known_hosts'],
      [5, 'cert-authority', '*.example.org', false, 'ssh-ed25519', '', '/u/known_hosts'],
      [6, 'revoked', '*', false, 'ssh-ed25519', '', '/u/known_hosts'],
      [7, 'none', '[host3]:2222', false, 'ecdsa-sha2-nistp256', '', '/u/known_hosts'],
      [8, 'none', hashHostName('host4', new Uint8Array(20).fill(7)), true, 'ecdsa-sha2-nistp384', 'hashed', '/u/known_hosts'],
    ],
  );
  assert.deepEqual(entries[0]!.blob, ed1);
});

test('bad known_hosts lines are reported with their number and skipped; the rest still counts', () => {
  const b64 = base64Encode(ed1);
  const lines = [
    `good1 ${k(ed1)}`, // 1
    `@bogus host ${k(ed1)}`, // 2 unknown marker
    `@revoked @revoked host ${k(ed1)}`, // 3 two markers
    'hostonly', // 4 nothing after the host
    'host   ', // 5 nothing after the host but blanks
    'host # ssh-ed25519 AAAA', // 6 comment where the key type should be
    'host ssh-ed25519', // 7 no key
    'host ssh-ed25519 %%%notbase64', // 8
    `host ssh-rsa ${b64}`, // 9 type mismatch
    `host ssh-ed25519 ${b64.slice(0, 20)}`, // 10 truncated blob
    `|1|c2hvcnQ=|AAAA ${k(ed1)}`, // 11 salt not 20 bytes
    `|2|${base64Encode(new Uint8Array(20))}|AAAA ${k(ed1)}`, // 12 unknown hash magic
    `|1|nodelimiter ${k(ed1)}`, // 13
    `@revoked ${k(ed1)}`, // 14: "ssh-ed25519" is read as the host, then the base64 as a key type
    `@revoked\t* ${k(ed1)}`, // 15: the marker ends at the first space if there is one (OpenSSH too)
    `good2 ${k(ed2)}`, // 16
  ];
  const { entries, errors } = parseKnownHosts(lines.join('\n'), 'kh');
  assert.deepEqual(entries.map((e) => [e.line, e.hosts]), [[1, 'good1'], [16, 'good2']]);
  assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  for (const e of errors) {
    assert.equal(e.path, 'kh');
    assert.ok(e.reason.length > 0);
  }
  assert.match(errors[0]!.reason, /unknown marker "@bogus"/);
  assert.match(errors[7]!.reason, /line says "ssh-rsa" but the key is "ssh-ed25519"/);
  assert.match(errors[9]!.reason, /salt is 5 bytes/);
});

test('lookup: known, unknown, changed (with file and line), other key type, revoked', () => {
  const user = [`# user file`, `[server]:2222 ${k(ed1)}`, `server ${k(p256)}`, `other ${k(ed2)}`].join('\n');
  const global = [`server,[server]:2222 ${k(ed3)}`, `@revoked * ${k(p384)}`].join('\n');
  const kh = new KnownHosts([
    { path: '/home/u/.ssh/known_hosts', text: user },
    { path: '/etc/ssh/ssh_known_hosts', text: global },
  ]);
  assert.deepEqual(kh.errors, []);

  const known = kh.lookup('server', 2222, ed1);
  assert.equal(known.status, 'known');
  assert.equal(known.hostName, '[server]:2222');
  assert.deepEqual(known.matches.map((m) => [m.path, m.line]), [['/home/u/.ssh/known_hosts', 2]]);

  // A key in the global file is known too.
  const fromGlobal = kh.lookup('SERVER', 2222, ed3);
  assert.equal(fromGlobal.status, 'known');
  assert.deepEqual(fromGlobal.matches.map((m) => [m.path, m.line]), [['/etc/ssh/ssh_known_hosts', 1]]);

  // Same type, different key: changed; ssh names the last recorded line as the offending one.
  const changed = kh.lookup('server', 2222, ed2);
  assert.equal(changed.status, 'changed');
  if (changed.status !== 'changed') return;
  assert.deepEqual(changed.matches.map((m) => [m.path, m.line]), [
    ['/home/u/.ssh/known_hosts', 2],
    ['/etc/ssh/ssh_known_hosts', 1],
  ]);
  assert.deepEqual([changed.offending.path, changed.offending.line, changed.offending.keyType], ['/etc/ssh/ssh_known_hosts', 1, 'ssh-ed25519']);
  assert.equal(changed.otherTypesOnly, false);

  // Only a key of another type recorded: OpenSSH (since 5.7) calls this a changed key too.
  const otherType = kh.lookup('other', 22, p256);
  assert.equal(otherType.status, 'changed');
  if (otherType.status === 'changed') {
    assert.equal(otherType.otherTypesOnly, true);
    assert.deepEqual([otherType.offending.line, otherType.offending.keyType], [4, 'ssh-ed25519']);
  }

  assert.deepEqual(kh.lookup('nobody', 22, ed1), { status: 'unknown', hostName: 'nobody', matches: [] });

  // Revoked wins over a line that lists the key; it applies to every host through "*".
  const kh2 = new KnownHosts([{ path: 'a', text: `server ${k(p384)}\n` }, { path: 'b', text: global }]);
  const revoked = kh2.lookup('server', 22, p384);
  assert.equal(revoked.status, 'revoked');
  assert.deepEqual(revoked.matches.map((m) => [m.path, m.line, m.marker]), [['b', 2, 'revoked']]);
  assert.equal(kh2.lookup('anyone.at.all', 2222, p384).status, 'revoked');
});

test('lookup: ports, wildcards, negation, hashed names', () => {
  const salt = new Uint8Array(20).map((_, i) => i);
  const text = [
    `*.example.org,!bad.example.org ${k(ed1)}`, // 1
    `[10.0.0.?]:2222 ${k(ed2)}`, // 2
    `plain ${k(ed3)}`, // 3
    `${hashHostName('[hashed.example.net]:2200', salt)} ${k(p256)}`, // 4
    `${hashHostName('hashed.example.net', salt)} ${k(p384)}`, // 5
    `[portonly]:2022 ${k(ed1)}`, // 6
  ].join('\n');
  const kh = KnownHosts.parse(text);
  assert.equal(kh.lookup('www.example.org', 22, ed1).status, 'known');
  assert.equal(kh.lookup('WWW.EXAMPLE.ORG', 22, ed1).status, 'known');
  assert.equal(kh.lookup('bad.example.org', 22, ed1).status, 'unknown'); // the negation takes the line away
  assert.equal(kh.lookup('example.org', 22, ed1).status, 'unknown');
  assert.equal(kh.lookup('10.0.0.7', 2222, ed2).status, 'known');
  assert.equal(kh.lookup('10.0.0.7', 22, ed2).status, 'unknown');
  assert.equal(kh.lookup('10.0.0.17', 2222, ed2).status, 'unknown');

  // "[plain]:2200" is unknown, so ssh retries as "plain" and accepts the key listed there...
  const noPort = kh.lookup('plain', 2200, ed3);
  assert.equal(noPort.status, 'known');
  if (noPort.status === 'known') {
    assert.equal(noPort.withoutPort, true);
    assert.equal(noPort.hostName, '[plain]:2200');
    assert.equal(noPort.matches[0].line, 3);
  }
  // ...but a different key under "plain" does not make "[plain]:2200" changed.
  assert.equal(kh.lookup('plain', 2200, ed1).status, 'unknown');
  // And "[portonly]:2022" is not "portonly" on port 22.
  assert.equal(kh.lookup('portonly', 22, ed1).status, 'unknown');

  // A hashed line names one host (with its port); it is compared in lower case.
  assert.equal(kh.lookup('hashed.example.net', 2200, p256).status, 'known');
  assert.equal(kh.lookup('Hashed.Example.Net', 2200, p256).status, 'known');
  assert.equal(kh.lookup('hashed.example.net', 22, p384).status, 'known');
  const changed = kh.lookup('hashed.example.net', 22, p256);
  assert.equal(changed.status, 'changed');
  if (changed.status === 'changed') assert.equal(changed.offending.line, 5);
  assert.equal(kh.lookup('other.example.net', 2200, p256).status, 'unknown');
});

test('a real ssh-keyscan -H line (OpenSSH 9.2) is matched', () => {
  // ssh-keyscan -H -p 22999 127.0.0.1
  const line = '|1|YOiIlhU+DpQRCQv+/fRKiu52bjM=|stdaaWQBnJx6iZCOIrlllkOIU6c= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFoo6fJsIHQkEMPlhpEKt7+6GpibRLwNzMdkQzEsLldM';
  const kh = KnownHosts.parse(line + '\n');
  const blob = kh.entries[0]!.blob;
  assert.equal(kh.lookup('127.0.0.1', 22999, blob).status, 'known');
  assert.equal(kh.lookup('127.0.0.1', 22998, blob).status, 'unknown');
  const salt = Uint8Array.from(Buffer.from('YOiIlhU+DpQRCQv+/fRKiu52bjM=', 'base64'));
  assert.equal(hashHostName('[127.0.0.1]:22999', salt), line.split(' ')[0]);
});

test('@cert-authority lines are kept apart and do not vouch for plain keys', () => {
  const kh = KnownHosts.parse([`@cert-authority *.example.org ${k(ed1)}`, `@cert-authority !a.example.org,*.example.org ${k(ed2)}`].join('\n'));
  assert.equal(kh.lookup('a.example.org', 22, ed1).status, 'unknown');
  assert.deepEqual(kh.certAuthorities('a.example.org', 22).map((e) => e.line), [1]);
  assert.deepEqual(kh.certAuthorities('b.example.org', 22).map((e) => e.line), [1, 2]);
  assert.deepEqual(kh.certAuthorities('example.com', 22), []);
  assert.deepEqual(kh.knownHostKeyTypes('b.example.org', 22), []);
});

test('known key types and the host key algorithm order that follows', () => {
  const rsa = PrivateKey.generate('rsa', 2048).publicKey;
  const kh = KnownHosts.parse(
    [`h1 ${k(rsa)}`, `h1 ${k(p384)}`, `h1 ${k(rsa)}`, `h2 ${k(ed1)}`, `h3 ${k(p256)}`, `@revoked h3 ${k(p256)}`, `h3 ${k(ed2)}`].join('\n'),
  );
  assert.deepEqual(kh.knownHostKeyTypes('h1', 22), ['ssh-rsa', 'ecdsa-sha2-nistp384']);
  assert.deepEqual(kh.knownHostKeyTypes('h3', 22), ['ssh-ed25519']); // the nistp256 key is revoked
  assert.deepEqual(kh.knownHostKeyTypes('h9', 22), []);

  const defaults = DEFAULT_HOST_KEY_ALGORITHMS;
  assert.deepEqual(defaults, ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256']);
  assert.deepEqual(kh.hostKeyAlgorithms('h1', 22, defaults), [
    'ecdsa-sha2-nistp384',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp521',
  ]);
  // The first choice is already known: the list stays as it is.
  assert.deepEqual(kh.hostKeyAlgorithms('h2', 22, defaults), defaults);
  assert.deepEqual(kh.hostKeyAlgorithms('h9', 22, defaults), defaults);
  assert.deepEqual(preferHostKeyAlgorithms(['ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa'], ['ssh-rsa']), ['rsa-sha2-512', 'ssh-rsa', 'ssh-ed25519']);
  assert.deepEqual(preferHostKeyAlgorithms([], ['ssh-rsa']), []);

  const withCerts = [
    'ssh-ed25519-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'rsa-sha2-512',
  ];
  assert.deepEqual(preferHostKeyAlgorithms(withCerts, ['ecdsa-sha2-nistp256']), [
    'ecdsa-sha2-nistp256',
    'ssh-ed25519-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'ssh-ed25519',
    'rsa-sha2-512',
  ]);
  assert.deepEqual(preferHostKeyAlgorithms(withCerts, ['ssh-rsa']), [
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-512',
    'ssh-ed25519-cert-v01@openssh.com',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
  ]);
  assert.deepEqual(preferHostKeyAlgorithms(withCerts, ['ecdsa-sha2-nistp256'], { certAuthority: true }), [
    'ssh-ed25519-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256',
    'ssh-ed25519',
    'rsa-sha2-512',
  ]);
  assert.equal(plainKeyTypeForAlgorithm('sk-ssh-ed25519-cert-v01@openssh.com'), 'sk-ssh-ed25519@openssh.com');
  assert.equal(plainKeyTypeForAlgorithm('ecdsa-sha2-nistp521'), 'ecdsa-sha2-nistp521');
  assert.equal(plainKeyTypeForAlgorithm('rsa-sha2-256'), 'ssh-rsa');
});

test('formatKnownHostsLine writes what ssh records', () => {
  const b64 = base64Encode(ed1);
  assert.equal(formatKnownHostsLine('Server.Example.ORG', 22, ed1), `server.example.org ssh-ed25519 ${b64}\n`);
  assert.equal(formatKnownHostsLine('server', 2222, ed1), `[server]:2222 ssh-ed25519 ${b64}\n`);
  assert.equal(formatKnownHostsLine('::1', 2222, ed1), `[::1]:2222 ssh-ed25519 ${b64}\n`);
  assert.equal(formatKnownHostsLine('server', 22, ed1, { address: '192.0.2.1' }), `server,192.0.2.1 ssh-ed25519 ${b64}\n`);
  assert.equal(formatKnownHostsLine('server', 2222, ed1, { address: '192.0.2.1' }), `[server]:2222,[192.0.2.1]:2222 ssh-ed25519 ${b64}\n`);
  assert.equal(knownHostsName('HOST', 0), 'host');

  const salt = new Uint8Array(20).fill(0xa5);
  const hashed = formatKnownHostsLine('Server', 2222, ed1, { hash: true, salt });
  assert.equal(hashed, `${hashHostName('[server]:2222', salt)} ssh-ed25519 ${b64}\n`);
  assert.match(hashed, /^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-ed25519 /);
  // Random salts differ; each line still names the host.
  const a = formatKnownHostsLine('server', 22, ed1, { hash: true });
  const b = formatKnownHostsLine('server', 22, ed1, { hash: true });
  assert.notEqual(a, b);
  const two = formatKnownHostsLine('server', 22, ed1, { hash: true, address: '192.0.2.1' });
  assert.equal(two.split('\n').length, 3);
  const kh = KnownHosts.parse(a + b + two);
  assert.deepEqual(kh.errors, []);
  assert.deepEqual(kh.entriesFor('server', 22).map((e) => e.line), [1, 2, 3]);
  assert.deepEqual(kh.entriesFor('192.0.2.1', 22).map((e) => e.line), [4]);

  for (const bad of ['', 'a b', 'a,b', '*.example.org', 'h[1]', 'x|y', 'a\nb', 'user@host', 'q"uote']) {
    assert.throws(() => formatKnownHostsLine(bad, 22, ed1), /cannot record/, bad);
  }
  assert.throws(() => formatKnownHostsLine('h', 65536, ed1), /invalid port/);
  assert.throws(() => formatKnownHostsLine('h', 22, ed1, { hash: true, salt: new Uint8Array(16) }), /20 bytes/);
  assert.throws(() => formatKnownHostsLine('h', 22, new Uint8Array([0, 0, 0])), /not a public key/);
});

test('hostnames from files never become object keys', () => {
  const kh = KnownHosts.parse(`__proto__,constructor ${k(ed1)}\n`);
  assert.equal(kh.lookup('__proto__', 22, ed1).status, 'known');
  assert.equal(kh.lookup('constructor', 22, ed1).status, 'known');
  assert.equal(kh.lookup('toString', 22, ed1).status, 'unknown');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('random junk never throws: every line is an entry or a reported error', () => {
  const pieces = ['@revoked', '@cert-authority', '@', '|1|', '|', ' ', '\t', ',', '!', '*', '?', '[', ']:22', '#', '\r', 'h', k(ed1), 'ssh-ed25519', 'AAAA', '=', '\0'];
  let seed = 987;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let line = '';
    for (let j = rnd(10); j >= 0; j--) line += pieces[rnd(pieces.length)]!;
    const kh = KnownHosts.parse(line);
    assert.ok(kh.entries.length + kh.errors.length <= 1, line);
    kh.lookup('h', 22, ed1);
    kh.knownHostKeyTypes('h', 22);
  }
});

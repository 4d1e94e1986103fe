// authorized_keys parsing (options, quoting, bad lines) and the choice of line for a presented
// key (from=, expiry-time=), from hand-written files. One end-to-end check against the real
// sshd is in authorized-keys-interop.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrivateKey } from '../../src/keys/private-key.js';
import { writePublicKeyLine } from '../../src/keys/formats/index.js';
import {
  authorizedKeyRefusal,
  DEFAULT_AUTHORIZED_KEY_OPTIONS,
  findAuthorizedCertAuthority,
  findAuthorizedKey,
  matchAddressList,
  matchFrom,
  normalizeAddress,
  parseAuthorizedKeyOptions,
  parseAuthorizedKeys,
  parseExpiryTime,
  parseIpAddress,
} from '../../src/keys/authorized-keys/index.js';

const key1 = PrivateKey.generate('ed25519').publicKey;
const key2 = PrivateKey.generate('ecdsa-p256').publicKey;
const K1 = writePublicKeyLine(key1).trim();
const K2 = writePublicKeyLine(key2).trim();

function only(line: string) {
  const r = parseAuthorizedKeys(line + '\n');
  assert.deepEqual(r.errors, [], line);
  assert.equal(r.entries.length, 1);
  return r.entries[0]!;
}

function reason(line: string): string {
  const r = parseAuthorizedKeys(line);
  assert.equal(r.entries.length, 0, `expected ${line} to be refused`);
  assert.equal(r.errors.length, 1);
  return r.errors[0]!.reason;
}

test('plain lines: key, comment, blanks, comments, CRLF', () => {
  const text = ['# comment', '', `  ${K1} user@host with spaces  `, `${K2}\r`, '\t# indented comment', `${K1}`].join('\n');
  const { entries, errors } = parseAuthorizedKeys(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    entries.map((e) => [e.line, e.keyType, e.comment, e.optionsText]),
    [
      [3, 'ssh-ed25519', 'user@host with spaces  ', ''],
      [4, 'ecdsa-sha2-nistp256', '', ''],
      [6, 'ssh-ed25519', '', ''],
    ],
  );
  assert.deepEqual(entries[0]!.blob, key1);
  assert.deepEqual(entries[0]!.options, DEFAULT_AUTHORIZED_KEY_OPTIONS);
  const o = entries[0]!.options;
  assert.deepEqual([o.pty, o.portForwarding, o.agentForwarding, o.x11Forwarding, o.userRc, o.certAuthority, o.restrict], [true, true, true, true, true, false, false]);
  assert.deepEqual([o.command, o.from, o.principals, o.expiryTime, o.tunnel], [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual([o.environment, o.permitOpen, o.permitListen], [[], [], []]);
});

test('options: every kind, typed', () => {
  const e = only(
    `command="/usr/bin/backup --quiet",environment="PATH=/bin:/usr/bin",environment="LANG=C",from="10.0.0.0/8,!10.1.*",` +
      `no-agent-forwarding,no-port-forwarding,no-pty,no-user-rc,no-X11-forwarding,permitopen="db.internal:5432",` +
      `permitopen="[::1]:8080",permitopen="host/22",permitopen="*:*",permitlisten="2222",permitlisten="localhost:8080",` +
      `tunnel="3",no-touch-required,verify-required ${K1} backup key`,
  );
  const o = e.options;
  assert.equal(o.command, '/usr/bin/backup --quiet');
  assert.deepEqual(o.environment, [['PATH', '/bin:/usr/bin'], ['LANG', 'C']]);
  assert.equal(o.from, '10.0.0.0/8,!10.1.*');
  assert.deepEqual([o.agentForwarding, o.portForwarding, o.pty, o.userRc, o.x11Forwarding], [false, false, false, false, false]);
  assert.equal(o.restrict, false);
  assert.deepEqual(o.permitOpen, [
    { host: 'db.internal', port: 5432, text: 'db.internal:5432' },
    { host: '::1', port: 8080, text: '[::1]:8080' },
    { host: 'host', port: 22, text: 'host/22' },
    { host: '*', port: '*', text: '*:*' },
  ]);
  assert.deepEqual(o.permitListen, [
    { host: '*', port: 2222, text: '*:2222' },
    { host: 'localhost', port: 8080, text: 'localhost:8080' },
  ]);
  assert.equal(o.tunnel, 3);
  assert.equal(o.touchRequired, false);
  assert.equal(o.verifyRequired, true);
  assert.equal(e.comment, 'backup key');

  const ca = only(`cert-authority,principals="alice,bob",expiry-time="20991231",tunnel="ANY" ${K2}`).options;
  assert.equal(ca.certAuthority, true);
  assert.deepEqual(ca.principals, ['alice', 'bob']);
  assert.equal(ca.tunnel, 'any');
  assert.ok(ca.expiryTime instanceof Date);
});

test('restrict, then single permissions back on; names are case-insensitive', () => {
  const r = only(`restrict,pty,Port-Forwarding ${K1}`).options;
  assert.deepEqual([r.restrict, r.pty, r.portForwarding, r.agentForwarding, r.x11Forwarding, r.userRc], [true, true, true, false, false, false]);
  const r2 = only(`agent-forwarding,X11-forwarding,user-rc,restrict ${K1}`).options; // restrict wins wherever it is
  assert.deepEqual([r2.agentForwarding, r2.x11Forwarding, r2.userRc, r2.pty], [false, false, false, false]);
  const r3 = only(`RESTRICT,AGENT-FORWARDING,NO-PTY,COMMAND="x" ${K1}`).options;
  assert.deepEqual([r3.restrict, r3.agentForwarding, r3.pty, r3.command], [true, true, false, 'x']);
  const r4 = only(`touch-required,no-verify-required ${K1}`).options;
  assert.deepEqual([r4.touchRequired, r4.verifyRequired], [true, false]);
});

test('quoting: escaped quotes, spaces and commas inside values, lone backslashes', () => {
  const cases: [string, string][] = [
    [`command="echo \\"hello world\\""`, 'echo "hello world"'],
    [`command="a,b c\tz"`, 'a,b c\tz'],
    [`command="C:\\dir\\file"`, 'C:\\dir\\file'], // a backslash not before a quote is itself
    [`command=""`, ''],
    [`command="'single' quotes"`, "'single' quotes"],
    [`command="x\\"y\\"z"`, 'x"y"z'],
  ];
  for (const [opt, want] of cases) assert.equal(only(`${opt} ${K1}`).options.command, want, opt);
  // The options end at the first blank outside quotes; the key follows.
  const e = only(`command="sh -c \\"ls -l\\"",no-pty\t  ${K1}  trailing comment`);
  assert.equal(e.options.command, 'sh -c "ls -l"');
  assert.equal(e.optionsText, 'command="sh -c \\"ls -l\\"",no-pty');
  assert.equal(e.comment, 'trailing comment');
  // environment: value may hold "=" and spaces; the first of a name wins.
  const env = only(`environment="A=b=c d",environment="A=second",environment="_x9=",environment="B=\\"q\\"" ${K1}`).options.environment;
  assert.deepEqual(env, [['A', 'b=c d'], ['_x9', ''], ['B', '"q"']]);
});

test('bad options make the line invalid (reported, skipped), as in sshd', () => {
  const bad: [string, RegExp][] = [
    [`no-such-option ${K1}`, /unknown key option/],
    [`no-pty,bogus ${K1}`, /unknown key option/],
    [`ptyx ${K1}`, /unknown key option/],
    [`no-restrict ${K1}`, /unknown key option/],
    [`no-cert-authority ${K1}`, /unknown key option/],
    [`no-pty, ${K1}`, /unexpected end-of-options/],
    [`no-pty,,pty ${K1}`, /unknown key option/],
    [`command=ls ${K1}`, /missing start quote/],
    [`command="unterminated ${K1}`, /unterminated quote/],
    [`command="ends in a backslash\\" ${K1}`, /unterminated quote/], // \" is a quote inside the value, so none closes it
    [`command="a"x ${K1}`, /unknown key option/],
    [`command="a",command="b" ${K1}`, /multiple "command" clauses/],
    [`from="a",from="b" ${K1}`, /multiple "from" clauses/],
    [`principals="a",principals="b" ${K1}`, /multiple "principals" clauses/],
    [`environment="NOEQUALS" ${K1}`, /invalid environment string/],
    [`environment="=x" ${K1}`, /invalid environment string/],
    [`environment="BAD-NAME=x" ${K1}`, /invalid environment string/],
    [`expiry-time="2023" ${K1}`, /invalid expires time/],
    [`expiry-time="20231301" ${K1}`, /invalid expires time/],
    [`expiry-time="20230101 1200" ${K1}`, /invalid expires time/],
    [`expiry-time="19691231Z" ${K1}`, /invalid expires time/],
    [`expiry-time="19700101000000Z" ${K1}`, /invalid expires time/], // the epoch itself is "no expiry": refused
    [`permitopen="hostonly" ${K1}`, /invalid permission port/],
    [`permitopen="host:0" ${K1}`, /invalid permission port/],
    [`permitopen="host:65536" ${K1}`, /invalid permission port/],
    [`permitopen="host:ssh" ${K1}`, /invalid permission port/],
    [`permitopen="[::1" ${K1}`, /invalid permission hostname/],
    [`permitopen="[::1]x:22" ${K1}`, /invalid permission hostname/],
    [`tunnel="-1" ${K1}`, /invalid tun device/],
    [`tunnel="2147483646" ${K1}`, /invalid tun device/],
    [`pty=yes ${K1}`, /unknown key option/],
    [`no-pty`, /no key/],
    [`no-pty ssh-ed25519`, /no key/],
    [`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbroken`, /ssh-ed25519/],
    [`ssh-ed25519 %%%%`, /not valid base64/],
    [`no-pty ssh-rsa ${K1.split(' ')[1]}`, /line says "ssh-rsa" but the key is "ssh-ed25519"/],
  ];
  for (const [line, re] of bad) assert.match(reason(line), re, line);
});

test('a bad line does not stop the rest of the file; line numbers count every line', () => {
  const text = [`${K1}`, 'garbage here', `bogus-opt ${K2}`, '', `no-pty ${K2}`, `command="x ${K1}`, `${K1} last`].join('\n');
  const { entries, errors } = parseAuthorizedKeys(text);
  assert.deepEqual(entries.map((e) => e.line), [1, 5, 7]);
  assert.deepEqual(errors.map((e) => e.line), [2, 3, 6]);
});

test('expiry-time formats: local time, Z and UTC suffixes, the earliest wins', () => {
  assert.equal(parseExpiryTime('20300102Z')?.toISOString(), '2030-01-02T00:00:00.000Z');
  assert.equal(parseExpiryTime('203001021304z')?.toISOString(), '2030-01-02T13:04:00.000Z');
  assert.equal(parseExpiryTime('20300102130405UTC')?.toISOString(), '2030-01-02T13:04:05.000Z');
  assert.equal(parseExpiryTime('20230230Z')?.toISOString(), '2023-03-02T00:00:00.000Z'); // mktime rolls over
  // Local time is read as mktime() with tm_isdst = 0 reads it, as sshd calls it: standard
  // (winter) time even in summer. (Checked with glibc: TZ=Europe/Berlin mktime 2030-07-01.)
  const savedTz = process.env.TZ;
  try {
    process.env.TZ = 'Europe/Berlin';
    assert.equal(parseExpiryTime('20300115')?.toISOString(), '2030-01-14T23:00:00.000Z');
    assert.equal(parseExpiryTime('20300701')?.toISOString(), '2030-06-30T23:00:00.000Z');
    process.env.TZ = 'America/New_York';
    assert.equal(parseExpiryTime('203007011200')?.toISOString(), '2030-07-01T17:00:00.000Z');
    assert.equal(parseExpiryTime('203007011200Z')?.toISOString(), '2030-07-01T12:00:00.000Z');
  } finally {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
  for (const bad of ['', 'Z', '2030010', '203001011', '20300101Zz', '2030-01-01', '20300100', '20300132', '20300101240000', '20300101006000']) {
    assert.equal(parseExpiryTime(bad), undefined, bad);
  }
  const e = only(`expiry-time="20350101Z",expiry-time="20300101Z",expiry-time="20400101Z" ${K1}`);
  assert.equal(e.options.expiryTime?.toISOString(), '2030-01-01T00:00:00.000Z');
});

test('from=: addresses, CIDR, wildcards, negation, host names', () => {
  assert.equal(matchFrom('127.0.0.1', '127.0.0.1', '127.0.0.1'), 'allow');
  assert.equal(matchFrom('10.*', '127.0.0.1', '127.0.0.1'), 'deny');
  assert.equal(matchFrom('10.*', '10.2.3.4', '10.2.3.4'), 'allow');
  assert.equal(matchFrom('10.0.0.0/8', '10.2.3.4', '10.2.3.4'), 'allow');
  assert.equal(matchFrom('10.0.0.0/8', '11.2.3.4', '11.2.3.4'), 'deny');
  assert.equal(matchFrom('10.0.0.0/8,!10.1.0.0/16', '10.1.2.3', '10.1.2.3'), 'deny');
  assert.equal(matchFrom('!10.1.0.0/16,10.0.0.0/8', '10.2.2.3', '10.2.2.3'), 'allow');
  assert.equal(matchFrom('*,!192.0.2.7', '192.0.2.7', '192.0.2.7'), 'deny');
  assert.equal(matchFrom('*,!192.0.2.7', '192.0.2.8', '192.0.2.8'), 'allow');
  assert.equal(matchFrom('10.0.0.1/8', '10.0.0.1', '10.0.0.1'), 'invalid'); // host bits past the mask
  assert.equal(matchFrom('10.0.0.0/33', '10.0.0.1', '10.0.0.1'), 'invalid');
  assert.equal(matchFrom('10.0.0.0/8,,x', '10.0.0.1', '10.0.0.1'), 'invalid'); // empty entry
  assert.equal(matchFrom('2001:db8::/32', '2001:db8:1::5', '2001:db8:1::5'), 'allow');
  assert.equal(matchFrom('2001:db8::/32', '2001:db9::5', '2001:db9::5'), 'deny');
  assert.equal(matchFrom('::1', '::1', '::1'), 'allow');
  assert.equal(matchFrom('*.example.org', '192.0.2.1', 'Client.Example.ORG'), 'allow');
  assert.equal(matchFrom('*.example.org,!bad.example.org', '192.0.2.1', 'bad.example.org'), 'deny');
  assert.equal(matchFrom('*.example.org', '192.0.2.1', '192.0.2.1'), 'deny');
  assert.equal(matchFrom('127.0.0.1', undefined, 'localhost'), 'deny'); // no address: refuse
  assert.equal(matchAddressList('127.0.0.1', '127.0.0.0/8'), 'match');
  assert.equal(matchAddressList('not-an-address', '127.0.0.0/8,,'), 'none'); // an unparsable address matches nothing
  assert.equal(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeAddress('::FFFF:10.0.0.1'), '10.0.0.1');
  assert.equal(normalizeAddress('::1'), '::1');

  const addr = (s: string): string | undefined => {
    const a = parseIpAddress(s);
    return a === undefined ? undefined : `${a.family}:${Buffer.from(a.bytes).toString('hex')}`;
  };
  assert.equal(addr('127.0.0.1'), '4:7f000001');
  assert.equal(addr('127.1'), '4:7f000001'); // inet_aton short forms, as getaddrinfo takes them
  assert.equal(addr('0x7f.0.0.010'), '4:7f000008');
  assert.equal(addr('10'), '4:0000000a');
  assert.equal(addr('256.0.0.1'), undefined);
  assert.equal(addr('1.2.3.4.5'), undefined);
  assert.equal(addr('::'), `6:${'0'.repeat(32)}`);
  assert.equal(addr('::ffff:1.2.3.4'), '6:00000000000000000000ffff01020304');
  assert.equal(addr('fe80::1:2'), '6:fe800000000000000000000000010002');
  assert.equal(addr('1:2:3:4:5:6:7:8'), '6:00010002000300040005000600070008');
  assert.equal(addr('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(addr('1::2::3'), undefined);
  assert.equal(addr('12345::'), undefined);
});

test('findAuthorizedKey applies from= and expiry-time=, and keeps looking after a refusal', () => {
  const text = [
    `from="10.*" ${K1} only from 10/8`, // 1
    `expiry-time="20200101Z" ${K1} expired`, // 2
    `from="127.0.0.0/8",expiry-time="20300101Z" ${K1} local until 2030`, // 3
    `cert-authority ${K2}`, // 4
    `principals="alice" ${K2} principals without cert-authority`, // 5
  ].join('\n');
  const { entries, errors } = parseAuthorizedKeys(text);
  assert.deepEqual(errors, []);
  const now = new Date('2025-06-01T00:00:00Z');
  assert.equal(findAuthorizedKey(entries, key1, { address: '10.9.8.7', now })?.line, 1);
  assert.equal(findAuthorizedKey(entries, key1, { address: '127.0.0.1', now })?.line, 3);
  assert.equal(findAuthorizedKey(entries, key1, { address: '::ffff:127.0.0.1', now })?.line, 3);
  assert.equal(findAuthorizedKey(entries, key1, { address: '192.0.2.1', now }), undefined);
  assert.equal(findAuthorizedKey(entries, key1, { now }), undefined); // no address: from= refuses
  assert.equal(findAuthorizedKey(entries, key1, { address: '127.0.0.1', now: new Date('2030-01-01T00:00:00.999Z') })?.line, 3);
  assert.equal(findAuthorizedKey(entries, key1, { address: '127.0.0.1', now: new Date('2030-01-01T00:00:01Z') }), undefined);
  assert.equal(findAuthorizedKey(entries, key1, { address: '127.0.0.1', now: Date.parse('2019-12-31T23:00:00Z') })?.line, 2);
  // key2 is listed only as a CA and with principals on a plain key: no plain login.
  assert.equal(findAuthorizedKey(entries, key2, { address: '127.0.0.1', now }), undefined);
  assert.equal(findAuthorizedCertAuthority(entries, key2, { address: '127.0.0.1', now })?.line, 4);
  assert.equal(findAuthorizedCertAuthority(entries, key1, { address: '127.0.0.1', now }), undefined);
  assert.match(authorizedKeyRefusal(entries[0]!, { address: '127.0.0.1', now }) ?? '', /not from a permitted host/);
  assert.match(authorizedKeyRefusal(entries[1]!, { address: '127.0.0.1', now }) ?? '', /expired/);
  assert.match(authorizedKeyRefusal(entries[4]!, { address: '127.0.0.1', now }) ?? '', /principals/);
  assert.equal(authorizedKeyRefusal(entries[2]!, { address: '127.0.0.1', now }), undefined);

  // Host names: matched against the resolved name when given, the address otherwise.
  const named = parseAuthorizedKeys(`from="*.example.org" ${K1}`).entries;
  assert.equal(findAuthorizedKey(named, key1, { address: '192.0.2.1', hostname: 'ws.example.org' })?.line, 1);
  assert.equal(findAuthorizedKey(named, key1, { address: '192.0.2.1' }), undefined);
});

test('names from the file never become object keys', () => {
  const e = only(`environment="__proto__=polluted",environment="constructor=x",environment="toString=y" ${K1}`);
  assert.deepEqual(e.options.environment, [['__proto__', 'polluted'], ['constructor', 'x'], ['toString', 'y']]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(e.options.environment), Array.prototype);
  assert.throws(() => parseAuthorizedKeyOptions('bogus'), /unknown key option/);
});

test('random junk never throws: every line is an entry or a reported error', () => {
  const pieces = ['"', '\\', ' ', '\t', ',', '=', '#', '\r', 'no-', 'pty', 'command=', 'from=', 'expiry-time=', 'permitopen=', 'environment=', 'x', '\u00e9', K1, 'ssh-ed25519', 'AAAA', '\0'];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    let line = '';
    for (let j = rnd(12); j >= 0; j--) line += pieces[rnd(pieces.length)]!;
    const r = parseAuthorizedKeys(line);
    const nonBlank = line.replace(/^[ \t]+/, '');
    const counted = r.entries.length + r.errors.length;
    assert.ok(counted <= 1, line);
    if (nonBlank !== '' && !nonBlank.startsWith('#') && !/^[ \t\r]*$/.test(line)) assert.equal(counted, 1, JSON.stringify(line));
  }
});

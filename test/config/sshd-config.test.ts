// sshd_config(5): unit tests of the pure parser and Match evaluation, then the same files
// compared line by line with the real `sshd -T -f file [-C spec]` on every keyword hushd
// supports, and the same bad lines rejected by `sshd -t`.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  authorizedKeysPaths,
  ConfigError,
  formatSshdConfigT,
  isUserAllowed,
  sshdConfigUsesGroups,
  matchSshdConfig,
  memoryFileSystem,
  parseSshdConfig,
  serverAlgorithmPreferences,
  type ParseSshdConfigOptions,
  type SshdConnection,
} from '../../src/config/index.js';
import { nodeConfigFs } from '../../src/node/config-loader.js';
import { findBinary, makeTempDir, requirePeer, runClient, sshKeygen } from '../harness/peers.js';
import { keep, opensshServerTables, reportedLines, seeded, SSHD_T_KEYWORDS } from './openssh.js';

const PATH = '/etc/ssh/sshd_config';

function parse(text: string, opts: ParseSshdConfigOptions = {}) {
  return parseSshdConfig({ path: PATH, text }, { home: '/root', cwd: '/srv', ...opts });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults', () => {
  const g = parse('').global;
  assert.deepEqual(g.ports, [22]);
  assert.deepEqual(g.listenAddresses, [
    { host: '::', port: 22 },
    { host: '0.0.0.0', port: 22 },
  ]);
  assert.deepEqual(g.hostKeys, ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key']);
  assert.equal(g.permitRootLogin, 'prohibit-password');
  assert.deepEqual(g.authorizedKeysFiles, ['.ssh/authorized_keys', '.ssh/authorized_keys2']);
  assert.deepEqual(g.maxStartups, { begin: 10, rate: 30, full: 100 });
  assert.equal(g.loginGraceTime, 120);
  assert.equal(g.maxAuthTries, 6);
  assert.equal(g.maxSessions, 10);
  assert.equal(g.banner, undefined);
  assert.match(formatSshdConfigT(g), /^permitrootlogin without-password$/m);
});

test('first value wins; Port, HostKey, AcceptEnv, AllowUsers accumulate; SetEnv and AuthorizedKeysFile take their first line', () => {
  const g = parse(
    [
      'Port 2222',
      'port 2200',
      'HostKey /k/one',
      'HostKey relative_key',
      'HostKey ~/home_key',
      'LoginGraceTime 1m30s',
      'LoginGraceTime 5',
      'PermitRootLogin no',
      'PermitRootLogin yes',
      'AcceptEnv LANG LC_*',
      'AcceptEnv TZ',
      'SetEnv A=1 "B=two words" A=ignored',
      'SetEnv C=3',
      'AuthorizedKeysFile .ssh/authorized_keys ~/.ssh/extra /etc/keys/%u',
      'AuthorizedKeysFile ignored',
      'AllowUsers alice bob@10.0.0.0/8',
      'AllowUsers carol',
      'ChallengeResponseAuthentication no',
      'KbdInteractiveAuthentication yes',
      'Banner none',
      'Banner /etc/issue',
      'ForceCommand /bin/echo hi # not a comment',
    ].join('\n'),
  ).global;
  assert.deepEqual(g.ports, [2222, 2200]);
  assert.deepEqual(g.hostKeys, ['/k/one', '/srv/relative_key', '/root/home_key']);
  assert.equal(g.loginGraceTime, 90);
  assert.equal(g.permitRootLogin, 'no');
  assert.deepEqual(g.acceptEnv, ['LANG', 'LC_*', 'TZ']);
  assert.deepEqual(g.setEnv, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'two words' },
  ]);
  assert.deepEqual(g.authorizedKeysFiles, ['.ssh/authorized_keys', '/root/.ssh/extra', '/etc/keys/%u']);
  assert.deepEqual(g.allowUsers, ['alice', 'bob@10.0.0.0/8', 'carol']);
  assert.equal(g.kbdInteractiveAuthentication, false, 'ChallengeResponseAuthentication is an alias');
  assert.equal(g.banner, undefined, '"none" came first');
  assert.equal(g.forceCommand, '/bin/echo hi # not a comment');
});

test('ListenAddress forms and AddressFamily', () => {
  const g = parse(['Port 22', 'Port 2222', 'ListenAddress 127.1', 'ListenAddress ::1', 'ListenAddress [fe80:0:0::1]:99', 'ListenAddress 10.0.0.1:2200', 'ListenAddress host.example'].join('\n')).global;
  assert.deepEqual(g.listenAddresses, [
    { host: '127.0.0.1', port: 22 },
    { host: '127.0.0.1', port: 2222 },
    { host: '::1', port: 22 },
    { host: '::1', port: 2222 },
    { host: 'fe80::1', port: 99 },
    { host: '10.0.0.1', port: 2200 },
    { host: 'host.example', port: 22 },
    { host: 'host.example', port: 2222 },
  ]);
  assert.deepEqual(parse('AddressFamily inet\nPort 2022\n').global.listenAddresses, [{ host: '0.0.0.0', port: 2022 }]);
  assert.match(configError(() => parse('AddressFamily inet\nListenAddress ::1\n')).message, /line 2: bad addr or host: ::1/);
  assert.match(configError(() => parse('ListenAddress 1.2.3.4:0\n')).message, /line 1: bad port number/);
  assert.match(configError(() => parse('ListenAddress [::1\n')).message, /bad address:port usage/);
});

test('time, size and startup-limit syntaxes', () => {
  assert.equal(parse('ClientAliveInterval 1h2m3s\n').global.clientAliveInterval, 3723);
  assert.deepEqual(parse('RekeyLimit 1G 1h\n').global.rekeyLimit, { bytes: 1n << 30n, seconds: 3600 });
  assert.deepEqual(parse('RekeyLimit 512K none\n').global.rekeyLimit, { bytes: 512n * 1024n, seconds: 0 });
  assert.deepEqual(parse('RekeyLimit default none\n').global.rekeyLimit, { bytes: 0n, seconds: 0 });
  assert.deepEqual(parse('MaxStartups 5:50:20\nMaxStartups 7\n').global.maxStartups, { begin: 7, rate: 50, full: 7 }, 'later lines override, field by field');
  assert.match(configError(() => parse('MaxStartups 20:30:10\n')).message, /Invalid MaxStartups spec/);
  assert.match(configError(() => parse('LoginGraceTime 2x\n')).message, /invalid time value/);
  assert.match(configError(() => parse('RekeyLimit 8\n')).message, /RekeyLimit too small/);
});

test("Workers (hushd's own keyword): a count or auto, default 1, global only, first value wins", () => {
  assert.equal(parse('').global.workers, 1);
  assert.equal(parse('Workers 4\nWorkers 2\n').global.workers, 4);
  assert.equal(parse('workers AUTO\n').global.workers, 'auto');
  assert.equal(parse('Workers 2\n', { commandLineOptions: ['Workers 3'] }).global.workers, 3, '-o comes first');
  assert.match(formatSshdConfigT(parse('Workers 2\n').global), /^workers 2$/m);
  assert.equal(matchSshdConfig(parse('Workers 2\nMatch User alice\n  MaxSessions 1\n'), { user: 'alice' }).workers, 2);
  for (const bad of ['Workers 0', 'Workers -1', 'Workers 1025', 'Workers two', 'Workers 1.5']) {
    assert.match(configError(() => parse(`${bad}\n`)).message, /^\/etc\/ssh\/sshd_config line 1: Bad Workers value/, bad);
  }
  assert.match(configError(() => parse('Workers 2 3\n')).message, /line 1: keyword Workers extra arguments at end of line/);
  assert.match(configError(() => parse('Match User alice\n  Workers 2\n')).message, /line 2: Directive 'Workers' is not allowed within a Match block/);
});

test('errors name the file and line in sshd\'s words', () => {
  const e = configError(() => parse('Port 22\n\n# comment\nFoo bar\n'));
  assert.equal(e.message, '/etc/ssh/sshd_config line 4: Bad configuration option: Foo');
  assert.equal(e.line, 4);
  const cases: [string, RegExp][] = [
    ['PermitRootLogin maybe', /unsupported option "maybe"/],
    ['PasswordAuthentication true', /unsupported option "true"/],
    ['MaxAuthTries many', /MaxAuthTries integer value invalid/],
    ['Port 0', /Badly formatted port number/],
    ['AllowUsers bob@10.0.0.1/8', /invalid AllowUsers pattern: "bob@10.0.0.1\/8"/],
    ['AcceptEnv A=B', /Invalid environment name/],
    ['SetEnv NOVALUE', /Invalid environment/],
    ['Subsystem sftp', /Missing subsystem command/],
    ['Subsystem sftp /a\nSubsystem sftp /b', /line 2: Subsystem 'sftp' already defined/],
    ['Ciphers nope-cipher', /Bad SSH2 cipher spec 'nope-cipher'/],
    ['MACs nope', /Bad SSH2 mac spec 'nope'/],
    ['LogLevel LOUD', /unsupported log level 'LOUD'/],
    ['Match User', /Bad Match condition: Missing Match criteria for User/],
    ['Match Address 10.0.0.1/8', /Invalid Match address/],
    ['Match Color blue', /Unsupported Match attribute Color/],
    ['Match User bob\n  Port 2222', /line 2: Directive 'Port' is not allowed within a Match block/],
    ['Match User bob\n  UsePAM yes', /line 2: Directive 'UsePAM' is not allowed within a Match block/],
    ['MaxSessions 1 2', /keyword MaxSessions extra arguments at end of line/],
    ['Banner', /no argument after keyword "Banner"/],
  ];
  for (const [text, re] of cases) assert.match(configError(() => parse(`${text}\n`)).message, re, text);
});

test('keywords sshd knows but hushd ignores are reported, and keep their Match scope', () => {
  const c = parse('UsePAM yes\nX11Forwarding yes\nMatch User bob\n  X11Forwarding no\n');
  assert.deepEqual(
    c.global.unsupported.map((u) => [u.keyword, u.line]),
    [
      ['UsePAM', 1],
      ['X11Forwarding', 2],
    ],
  );
  assert.deepEqual(
    matchSshdConfig(c, { user: 'bob' }).unsupported.map((u) => u.line),
    [1, 2, 4],
  );
});

test('Match: matching blocks replace global values; the first matching block wins; absent fields never match', () => {
  const c = parse(
    [
      'PasswordAuthentication yes',
      'AllowUsers alice bob carol',
      'AcceptEnv LANG',
      'MaxAuthTries 6',
      'Banner /etc/global-banner',
      'ForceCommand /bin/global',
      'Match User alice,bob Address 10.0.0.0/8,!10.9.0.0/16',
      '  PasswordAuthentication no',
      '  AllowUsers alice',
      '  AcceptEnv A1',
      '  AcceptEnv A2',
      '  Banner none',
      'Match Host *.example.com',
      '  PasswordAuthentication yes',
      '  MaxAuthTries 2',
      '  AcceptEnv HOSTVAR',
      '  ForceCommand none',
      'Match LocalPort 2222',
      '  MaxSessions 1',
      'Match LocalAddress 127.0.0.0/8',
      '  PermitTTY no',
      'Match Group wheel',
      '  PermitRootLogin yes',
      'Match All',
      '  ClientAliveCountMax 9',
    ].join('\n'),
  );
  assert.equal(c.global.clientAliveCountMax, 9, 'Match All applies to the daemon too');
  const alice: SshdConnection = { user: 'alice', address: '10.1.2.3', host: 'pc.example.com', localAddress: '127.0.0.1', localPort: 2222, groups: ['users', 'wheel'] };
  const a = matchSshdConfig(c, alice);
  assert.equal(a.passwordAuthentication, false, 'the first matching block wins');
  assert.equal(a.maxAuthTries, 2);
  assert.deepEqual(a.allowUsers, ['alice']);
  assert.deepEqual(a.acceptEnv, ['A1', 'A2', 'HOSTVAR'], 'lists from all matching blocks, replacing the global one');
  assert.equal(a.banner, undefined);
  assert.equal(a.forceCommand, undefined, 'ForceCommand none clears the global one');
  assert.equal(a.maxSessions, 1);
  assert.equal(a.permitTty, false);
  assert.equal(a.permitRootLogin, 'yes');
  assert.equal(matchSshdConfig(c, { ...alice, address: '::ffff:10.1.2.3' }).passwordAuthentication, false, 'IPv4-mapped addresses match as IPv4');
  const other = matchSshdConfig(c, { user: 'alice', address: '10.9.1.1' });
  assert.equal(other.passwordAuthentication, true, 'negated address entry');
  assert.equal(other.banner, '/etc/global-banner');
  assert.equal(other.forceCommand, '/bin/global');
  assert.deepEqual(other.acceptEnv, ['LANG']);
  assert.equal(other.maxSessions, 10, 'no local port given: Match LocalPort does not match');
  assert.equal(matchSshdConfig(c, {}).permitRootLogin, 'prohibit-password');
});

test('Include: globs under /etc/ssh, Match blocks inside included files, includes inside Match', () => {
  const fs = memoryFileSystem({
    '/etc/ssh/sshd_config.d/10-a.conf': 'PasswordAuthentication no\nMatch User inc\n  MaxSessions 3\n',
    '/etc/ssh/sshd_config.d/20-b.conf': 'Port 2022\n',
    '/etc/ssh/sshd_config.d/.hidden.conf': 'Port 1\n',
    '/etc/ssh/match.conf': 'PermitTTY no\n',
  });
  const c = parse('Include sshd_config.d/*.conf\nMaxAuthTries 3\nMatch User special\n  Include /etc/ssh/match.conf\n', { fs });
  assert.equal(c.global.passwordAuthentication, false);
  assert.deepEqual(c.global.ports, [2022]);
  assert.equal(c.global.maxAuthTries, 3, 'the Match in 10-a.conf did not swallow the lines after the Include');
  assert.equal(matchSshdConfig(c, { user: 'inc' }).maxSessions, 3);
  assert.equal(matchSshdConfig(c, { user: 'special' }).permitTty, false);
  assert.equal(matchSshdConfig(c, { user: 'other' }).permitTty, true);
  assert.match(configError(() => parse('Include x.conf\n')).message, /line 1: Include x\.conf/);
});

test('AllowUsers / DenyUsers and authorized_keys paths', () => {
  const g = parse('AllowUsers alice bob@10.0.0.0/8 carol@*.example.com\nDenyUsers mallory alice@192.168.*\nAuthorizedKeysFile .ssh/authorized_keys /etc/keys/%u.%U %h/x%%\n').global;
  assert.deepEqual(isUserAllowed(g, { user: 'alice', address: '10.0.0.1' }), { allowed: true });
  assert.equal(isUserAllowed(g, { user: 'alice', address: '192.168.1.1' }).allowed, false);
  assert.equal(isUserAllowed(g, { user: 'bob', address: '10.2.3.4' }).allowed, true);
  assert.equal(isUserAllowed(g, { user: 'bob', address: '11.2.3.4' }).allowed, false);
  assert.equal(isUserAllowed(g, { user: 'carol', address: '1.2.3.4', host: 'pc.example.com' }).allowed, true);
  assert.equal(isUserAllowed(g, { user: 'mallory', address: '10.0.0.1' }).allowed, false);
  assert.equal(isUserAllowed(g, { user: 'dave', address: '10.0.0.1' }).allowed, false);
  assert.deepEqual(authorizedKeysPaths(g, { user: 'bob', home: '/home/bob', uid: 1001 }), [
    '/home/bob/.ssh/authorized_keys',
    '/etc/keys/bob.1001',
    '/home/bob/x%',
  ]);
});

test('AllowGroups / DenyGroups as sshd (auth.c allowed_user): deny wins, then one allowed group is needed; no groups, no entry', () => {
  const g = parse('AllowGroups staff dev*\nDenyGroups banned\n').global;
  assert.deepEqual(isUserAllowed(g, { user: 'alice', groups: ['alice', 'staff'] }), { allowed: true });
  assert.deepEqual(isUserAllowed(g, { user: 'bob', groups: ['bob', 'developers'] }), { allowed: true }, 'patterns');
  assert.deepEqual(isUserAllowed(g, { user: 'carol', groups: ['carol', 'staff', 'banned'] }), {
    allowed: false,
    reason: 'User carol not allowed because a group is listed in DenyGroups',
  });
  assert.deepEqual(isUserAllowed(g, { user: 'dave', groups: ['dave'] }), {
    allowed: false,
    reason: "User dave not allowed because none of user's groups are listed in AllowGroups",
  });
  assert.equal(isUserAllowed(g, { user: 'erin' }).allowed, false, 'groups unknown: not allowed');
  assert.deepEqual(isUserAllowed(parse('DenyGroups banned\n').global, { user: 'frank', groups: ['frank'] }), { allowed: true });
  assert.deepEqual(isUserAllowed(parse('').global, { user: 'gina' }), { allowed: true }, 'no group rules: groups not needed');
  // Whether groups are needed at all: only with group rules or a Match Group.
  assert.equal(sshdConfigUsesGroups(parse('AllowUsers a\nMatch User b\n  PermitTTY no\n')), false);
  assert.equal(sshdConfigUsesGroups(parse('DenyGroups x\n')), true);
  assert.equal(sshdConfigUsesGroups(parse('Port 22\nMatch User a Group b\n  PermitTTY no\n')), true);
  // Match Group uses the same groups.
  const m = parse('Match Group staff\n  PermitTTY no\n');
  assert.equal(matchSshdConfig(m, { user: 'alice', groups: ['staff'] }).permitTty, false);
  assert.equal(matchSshdConfig(m, { user: 'alice', groups: ['users'] }).permitTty, true);
});

test('unimplemented keywords that restrict are refused, wherever they are; harmless values and the rest are noted', () => {
  for (const line of ['ChrootDirectory /srv/jail', 'RevokedKeys /etc/ssh/revoked', 'AuthenticationMethods publickey,password', 'PubkeyAcceptedAlgorithms ssh-ed25519', 'RequiredRSASize 3072']) {
    const e = configError(() => parse(`${line}\n`));
    assert.match(e.message, /line 1: .* is not implemented by hush, and ignoring it would let in more than this file allows/, line);
    const inMatch = configError(() => parse(`Port 22\nMatch Group sftponly\n  ${line}\n`));
    assert.match(inMatch.message, /line 3: /, `${line} inside a Match block`);
  }
  const ok = parse('ChrootDirectory none\nRevokedKeys none\nAuthenticationMethods any\nPubkeyAcceptedAlgorithms +ssh-rsa\nRequiredRSASize 1024\nUsePAM yes\n').global;
  assert.deepEqual(
    ok.unsupported.map((u) => u.keyword),
    ['ChrootDirectory', 'RevokedKeys', 'AuthenticationMethods', 'PubkeyAcceptedAlgorithms', 'RequiredRSASize', 'UsePAM'],
  );
});

test('algorithm lists with + - ^ against hush\'s lists', () => {
  const g = parse('Ciphers -aes128-ctr\nMACs ^hmac-sha2-512,hmac-sha1\nKexAlgorithms +diffie-hellman-group14-sha1\nHostKeyAlgorithms -rsa-*\n').global;
  assert.ok(!g.ciphers.includes('aes128-ctr'));
  assert.deepEqual(g.macs.slice(0, 2), ['hmac-sha2-512', 'hmac-sha1']);
  assert.equal(g.kexAlgorithms.at(-1), 'diffie-hellman-group14-sha1');
  assert.ok(!g.hostKeyAlgorithms.some((a) => a.startsWith('rsa-')));
  assert.equal(serverAlgorithmPreferences(g).allowInsecure, true);
  assert.equal(serverAlgorithmPreferences(parse('').global).allowInsecure, false);
});

// ---------------------------------------------------------------------------------------------
// Interop: sshd -T

interface TCase {
  readonly name: string;
  /** Files relative to the temp dir; `main` gets `HostKey DIR/hk` prepended. */
  readonly files: Readonly<Record<string, string>>;
  /** `-C` specifications ('' for none). */
  readonly specs: readonly string[];
}

const FULL = 'user=alice,addr=10.1.2.3,host=pc.example.com,laddr=127.0.0.1,lport=2200';

const T_CASES: readonly TCase[] = [
  {
    name: 'global keywords',
    files: {
      main: [
        'Port 2222',
        'Port 2200',
        'ListenAddress 127.0.0.1',
        'ListenAddress [::1]:2022',
        'ListenAddress 0x7f.1:80',
        'ListenAddress fe80:0:0::1',
        'HostKey relative_key',
        'HostKey ~/no_such_key',
        'AuthorizedKeysFile .ssh/authorized_keys /etc/keys/%u ~/.ssh/x_%h',
        'PermitRootLogin forced-commands-only',
        'AllowUsers alice bob@10.0.0.0/8 *@127.0.0.1',
        'DenyUsers mallory',
        'LoginGraceTime 1m30s',
        'MaxStartups 5:50:20',
        'Banner relative_banner',
        'AcceptEnv LANG LC_*',
        'AcceptEnv TZ',
        'SetEnv A=1 "B=two words"',
        'SetEnv C=3',
        'PermitTTY no',
        'ClientAliveInterval 30',
        'ClientAliveCountMax 5',
        'Ciphers -aes128-ctr',
        'MACs ^hmac-sha2-512,hmac-sha1',
        'KexAlgorithms +diffie-hellman-group14-sha1',
        'HostKeyAlgorithms -*-cert-v01@openssh.com',
        'RekeyLimit 1.5G 1h',
        'Subsystem sftp /usr/lib/openssh/sftp-server -f AUTH -l INFO',
        'Subsystem other "/bin/quoted arg"',
        'LogLevel DEBUG1',
        'MaxAuthTries 4',
        'MaxSessions 3',
        'UsePAM yes',
        'X11Forwarding yes',
        'ChallengeResponseAuthentication no',
        'PubkeyAuthentication no',
        'PasswordAuthentication no',
        'ForceCommand /bin/echo hi # not a comment',
      ].join('\n'),
    },
    specs: ['', FULL],
  },
  {
    name: 'Match',
    files: {
      main: [
        'PasswordAuthentication yes',
        'AllowUsers alice bob carol',
        'AllowGroups staff wheel',
        'DenyGroups banned*',
        'StrictModes no',
        'TCPKeepAlive no',
        'PermitUserEnvironment LANG,LC_*',
        'AcceptEnv LANG',
        'Banner /etc/global-banner',
        'ForceCommand /bin/global',
        'AuthorizedKeysFile .ssh/authorized_keys',
        'Match User alice,bob Address 10.0.0.0/8,!10.9.0.0/16',
        '  PasswordAuthentication no',
        '  AllowUsers alice',
        '  DenyUsers eve',
        '  AllowGroups dev',
        '  DenyGroups guests',
        '  AcceptEnv A1',
        '  AcceptEnv A2',
        '  Banner none',
        '  AuthorizedKeysFile /etc/keys/%u',
        '  SetEnv M=1',
        '  X11Forwarding no',
        'Match Host *.example.com',
        '  PasswordAuthentication yes',
        '  MaxAuthTries 2',
        '  AcceptEnv HOSTVAR',
        '  ForceCommand none',
        '  RekeyLimit 2G none',
        'Match LocalPort 2200',
        '  MaxSessions 1',
        '  LogLevel VERBOSE',
        'Match LocalAddress 127.0.0.0/8',
        '  PermitTTY no',
        '  ClientAliveInterval 2m',
        'Match User root',
        '  PermitRootLogin yes',
        '  KbdInteractiveAuthentication no',
        'Match All',
        '  ClientAliveCountMax 9',
      ].join('\n'),
    },
    specs: [
      FULL,
      'user=alice,addr=10.9.1.1,host=pc.example.org,laddr=192.0.2.1,lport=22',
      'user=root,addr=192.0.2.7,host=ROOT.EXAMPLE.COM,laddr=127.0.0.1,lport=2200',
      'user=bob,addr=::1,host=localhost,laddr=::1,lport=22',
    ],
  },
  {
    name: 'Include',
    files: {
      main: [
        'Include DIR/conf.d/*.conf',
        'Include relative-to-etc-ssh-does-not-exist.conf',
        'MaxAuthTries 3',
        'Match User special',
        '  Include DIR/match.conf',
        'Match All',
        '  Include DIR/conf.d/20-b.conf',
      ].join('\n'),
      'conf.d/10-a.conf': 'PasswordAuthentication no\nMatch User inc\n  MaxSessions 3\n',
      'conf.d/20-b.conf': 'Port 2022\nAcceptEnv FROM_B\n',
      'conf.d/.hidden.conf': 'Port 1\n',
      'conf.d/skip.txt': 'Port 2\n',
      'match.conf': 'PermitTTY no\nMatch User inc\n  LogLevel ERROR\n',
    },
    specs: ['', 'user=inc,addr=10.0.0.1,host=h,laddr=127.0.0.1,lport=22', 'user=special,addr=10.0.0.1,host=h,laddr=127.0.0.1,lport=22'],
  },
];

async function writeCase(dir: string, c: TCase, hostKey: string): Promise<string> {
  for (const [name, text] of Object.entries(c.files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    const body = text.replaceAll('DIR', dir);
    await writeFile(path, name === 'main' ? `HostKey ${hostKey}\n${body}\n` : body, { mode: 0o644 });
  }
  return join(dir, 'main');
}

function connectionOf(spec: string): SshdConnection {
  const conn: Record<string, string | number> = {};
  for (const kv of spec.split(',').filter(Boolean)) {
    const [k, v] = kv.split('=') as [string, string];
    const key = { user: 'user', addr: 'address', host: 'host', laddr: 'localAddress', lport: 'localPort' }[k];
    if (key !== undefined) conn[key] = key === 'localPort' ? Number(v) : v;
  }
  return conn as SshdConnection;
}

async function sshdKey(t: TestContext): Promise<{ dir: string; key: string; tablesConfig: string }> {
  const tmp = await makeTempDir(t);
  const key = await sshKeygen(tmp.path, 'ed25519', 'hk');
  const tablesConfig = join(tmp.path, 'tables_config');
  await writeFile(tablesConfig, `HostKey ${key.privatePath}\n`);
  return { dir: tmp.path, key: key.privatePath, tablesConfig };
}

test('sshd -T agrees with parseSshdConfig + matchSshdConfig on every supported keyword', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  const { key, tablesConfig } = await sshdKey(t);
  const algorithms = await opensshServerTables(tablesConfig);
  const home = userInfo().homedir;
  for (const c of T_CASES) {
    const tmp = await makeTempDir(t);
    const main = await writeCase(tmp.path, c, key);
    const config = parseSshdConfig({ path: main, text: nodeConfigFs.readFile(main)! }, { fs: nodeConfigFs, home, cwd: tmp.path, algorithms });
    for (const spec of c.specs) {
      const args = ['-T', '-f', main, ...(spec === '' ? [] : ['-C', spec])];
      const r = await runClient(findBinary('sshd')!, args, { cwd: tmp.path, timeoutMs: 15_000 });
      assert.equal(r.code, 0, `${c.name} ${spec}: ${r.stderr}`);
      const mine = formatSshdConfigT(matchSshdConfig(config, connectionOf(spec)));
      assert.ok(keep(mine, SSHD_T_KEYWORDS).length >= 28, 'every supported keyword is compared');
      assert.deepEqual(keep(mine, SSHD_T_KEYWORDS), keep(r.stdout, SSHD_T_KEYWORDS), `${c.name}: sshd -T -C '${spec}'`);
    }
  }
});

const BAD_SSHD: readonly string[] = [
  'Foo bar',
  'Port 0',
  'Port x',
  'ListenAddress 1.2.3.4:0',
  'ListenAddress [::1',
  'PermitRootLogin maybe',
  'PasswordAuthentication true',
  'MaxAuthTries many',
  'MaxSessions -1',
  'LoginGraceTime 2x',
  'ClientAliveInterval 1y',
  'MaxStartups 20:30:10',
  'MaxStartups 10:0:20',
  'MaxStartups 10:30',
  'RekeyLimit 8',
  'RekeyLimit 1G 1x',
  'AllowUsers bob@10.0.0.1/8',
  'DenyUsers ""',
  'AcceptEnv A=B',
  'SetEnv NOVALUE',
  'Subsystem sftp',
  'Subsystem sftp /a\nSubsystem sftp /b',
  'Ciphers nope-cipher',
  'MACs nope',
  'KexAlgorithms +nope',
  'HostKeyAlgorithms ssh-nope',
  'LogLevel LOUD',
  'AddressFamily inet7',
  'Match User',
  'Match Address 10.0.0.1/8',
  'Match Color blue',
  'Match User bob\n  Port 2222',
  'Match User bob\n  UsePAM yes',
  'Match User bob\n  Ciphers aes128-ctr',
  'Match all User bob',
  'MaxSessions 1 2',
  'Banner',
  'Match User bob\n  Frob 1',
];

test('sshd -t and parseSshdConfig reject the same bad lines', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  const { dir, key } = await sshdKey(t);
  for (const [i, text] of BAD_SSHD.entries()) {
    const path = join(dir, `bad${i}`);
    const full = `HostKey ${key}\n${text}\n`;
    await writeFile(path, full);
    const r = await runClient(findBinary('sshd')!, ['-t', '-f', path], { timeoutMs: 15_000 });
    assert.notEqual(r.code, 0, `sshd accepted:\n${text}`);
    const e = configError(() => parseSshdConfig({ path, text: full }, { home: userInfo().homedir, cwd: dir }));
    assert.equal(e.file, path);
    assert.equal(e.line, reportedLines(r.stderr)[0], `${text}\nsshd said: ${r.stderr}\nhush said: ${e.message}`);
  }
});

// Values for the seeded random configurations: global-only keywords, keywords allowed in Match,
// good and bad values. (Host names in ListenAddress are left out: sshd resolves them, hush does not.)
const RANDOM_GLOBAL: Readonly<Record<string, readonly string[]>> = {
  Port: ['22', '2222', '0', 'x'],
  ListenAddress: ['127.0.0.1', '[::1]:2022', '::1', '10.0.0.1:22', '1.2.3.4:0', 'bad:port:x'],
  HostKey: ['rel', '~/k'],
  LoginGraceTime: ['0', '1m30s', '2x', '10'],
  MaxStartups: ['10:30:100', '5', '20:30:10', '3:50:9', '10:0:20', '7:x'],
  Subsystem: ['sftp /bin/sftp -l INFO', 'x /bin/x', 'sftp'],
  Ciphers: ['+aes128-cbc', '-aes*-ctr', '^aes256-gcm@openssh.com', 'bogus'],
  MACs: ['+hmac-md5', '-*etm*', '^hmac-sha2-512'],
  KexAlgorithms: ['+diffie-hellman-group14-sha1', '-curve25519*'],
  HostKeyAlgorithms: ['+ssh-rsa', '-*cert*', 'ssh-ed25519,rsa-sha2-*'],
  AddressFamily: ['any', 'inet', 'inet6'],
  UsePAM: ['yes'],
  PrintMotd: ['no'],
};
const RANDOM_ANY: Readonly<Record<string, readonly string[]>> = {
  PermitRootLogin: ['yes', 'no', 'prohibit-password', 'without-password', 'forced-commands-only', 'maybe'],
  LogLevel: ['INFO', 'debug', 'DEBUG3', 'ERROR', 'VERBOSE'],
  PubkeyAuthentication: ['yes', 'no'],
  PasswordAuthentication: ['yes', 'no', 'true'],
  KbdInteractiveAuthentication: ['yes', 'no'],
  ChallengeResponseAuthentication: ['no'],
  AuthorizedKeysFile: ['.ssh/ak', '/etc/k/%u %h/x', 'none', '~/.ssh/k'],
  AllowUsers: ['alice', 'bob@10.0.0.0/8', '*@127.0.0.1', 'u@10.0.0.1/8'],
  DenyUsers: ['mallory', 'alice@1.2.3.4'],
  MaxAuthTries: ['3', '-1', 'x'],
  MaxSessions: ['1', '5'],
  Banner: ['none', '/etc/issue', 'rel'],
  AcceptEnv: ['LANG', 'LC_*', 'A=B'],
  SetEnv: ['A=1', 'B=2 C=3', 'NOEQ'],
  ForceCommand: ['/bin/true', 'none', '/bin/echo # x'],
  PermitTTY: ['yes', 'no'],
  ClientAliveInterval: ['0', '30', '1m'],
  ClientAliveCountMax: ['3', '0'],
  RekeyLimit: ['1G', '500M 10m', 'default none', '1G none', '8'],
  X11Forwarding: ['yes', 'no'],
  Frob: ['1'],
};
const RANDOM_MATCH = [
  'Match User alice',
  'Match User bob,!eve',
  'Match Address 10.0.0.0/8',
  'Match Host *.example.com',
  'Match LocalPort 2200',
  'Match LocalAddress 127.0.0.1',
  'Match All',
  'Match User alice Address 10.*',
  'Match Address 10.0.0.1/8',
  'Match Bogus x',
];
const RANDOM_SPECS = [
  'user=alice,addr=10.1.2.3,host=pc.example.com,laddr=127.0.0.1,lport=2200',
  'user=bob,addr=192.0.2.1,host=h,laddr=::1,lport=22',
  'user=eve,addr=10.0.0.9,host=x.example.com,laddr=127.0.0.1,lport=22',
];

test('seeded random configurations: sshd -T -C and parseSshdConfig + matchSshdConfig agree (values and the rejected line)', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  const { dir, key, tablesConfig } = await sshdKey(t);
  const algorithms = await opensshServerTables(tablesConfig);
  const home = userInfo().homedir;
  const { rnd, pick } = seeded(4242);
  for (let i = 0; i < 200; i++) {
    const lines = [`HostKey ${key}`];
    const n = 3 + Math.floor(rnd() * 14);
    let inMatch = false;
    for (let j = 0; j < n; j++) {
      if (rnd() < 0.15) {
        lines.push(pick(RANDOM_MATCH));
        inMatch = true;
        continue;
      }
      const pool = (!inMatch && rnd() < 0.4) || rnd() < 0.03 ? RANDOM_GLOBAL : RANDOM_ANY;
      const k = pick(Object.keys(pool));
      lines.push(`${inMatch ? '  ' : ''}${rnd() < 0.2 ? k.toLowerCase() : k}${rnd() < 0.2 ? '=' : ' '}${pick(pool[k]!)}`);
    }
    const text = `${lines.join('\n')}\n`;
    const path = join(dir, `random${i}`);
    await writeFile(path, text);
    const spec = pick(RANDOM_SPECS);
    const r = await runClient(findBinary('sshd')!, ['-T', '-f', path, '-C', spec], { cwd: dir, timeoutMs: 15_000 });
    let mine: string | undefined;
    let err: unknown;
    try {
      mine = formatSshdConfigT(matchSshdConfig(parseSshdConfig({ path, text }, { home, cwd: dir, algorithms }), connectionOf(spec)));
    } catch (e) {
      err = e;
    }
    const context = `${path} (${spec}):\n${text}sshd: ${r.stderr}\nhush: ${err instanceof Error ? err.message : 'accepted'}`;
    if (r.code !== 0) {
      assert.ok(err instanceof ConfigError, context);
      const first = reportedLines(r.stderr)[0];
      if (first !== undefined) assert.equal(err.line, first, context);
      continue;
    }
    assert.equal(err, undefined, context);
    assert.deepEqual(keep(mine!, SSHD_T_KEYWORDS), keep(r.stdout, SSHD_T_KEYWORDS), context);
  }
});

test('-p ports replace the Port lines of the file, which are still checked (sshd)', () => {
  assert.deepEqual(parse('Port 2200\nPort 2201\n').global.ports, [2200, 2201]);
  assert.deepEqual(parse('Port 2200\nPort 2201\n', { commandLinePorts: [2300] }).global.ports, [2300]);
  assert.match(configError(() => parse('Port nope\n', { commandLinePorts: [2300] })).message, /line 1: Badly formatted port number/);
});

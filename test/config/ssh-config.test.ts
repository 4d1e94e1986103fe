// ssh_config(5): unit tests of the pure resolver, then the same resolutions compared line by
// line with the real `ssh -G -F file host` (OpenSSH 9.x) on every keyword hush supports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  clientAlgorithmPreferences,
  formatSshConfigG,
  memoryFileSystem,
  parseForward,
  resolveSshConfig,
  type AlgorithmTables,
  type ResolveSshConfigOptions,
  type SshClientConfig,
} from '../../src/config/index.js';
import { nodeConfigFs } from '../../src/node/config-loader.js';
import { findBinary, makeTempDir, requirePeer, runClient } from '../harness/peers.js';
import { keep, opensshClientTables, reportedLines, seeded, SSH_G_KEYWORDS } from './openssh.js';

const BASE = {
  localUser: 'me',
  home: '/home/me',
  uid: 1000,
  hostname: 'box.example.lan',
  env: { HOME: '/home/me', FOO: 'foo-value' },
} as const;

function resolve(text: string, host: string, extra: Partial<ResolveSshConfigOptions> = {}): SshClientConfig {
  return resolveSshConfig({ ...BASE, host, files: [{ path: '/home/me/.ssh/config', text }], ...extra });
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

// ---------------------------------------------------------------------------------------------
// Syntax

test('keyword syntax: case-insensitive keywords, `=`, quotes, escapes, comments', () => {
  const c = resolve(
    [
      '# a comment',
      '   ',
      'hOsTnAmE=real.example.com',
      'User = "john smith"',
      '  Port\t2222   # trailing comment',
      "IdentityFile '/keys/with space' ",
      'IdentityFile /keys/back\\ slash',
      'SetEnv "GREETING=hello world" X=1#notacomment',
    ].join('\n'),
    'alias',
  );
  assert.equal(c.hostName, 'real.example.com');
  assert.equal(c.user, 'john smith');
  assert.equal(c.port, 2222);
  assert.deepEqual(
    c.identityFiles.map((f) => f.path),
    ['/keys/with space', '/keys/back slash'],
  );
  assert.deepEqual(c.setEnv, [
    { name: 'GREETING', value: 'hello world' },
    { name: 'X', value: '1#notacomment' },
  ]);
});

test('the first obtained value wins; IdentityFile accumulates (without duplicates)', () => {
  const c = resolve(
    ['Host web', '  User first', '  IdentityFile ~/.ssh/a', 'Host *', '  User second', '  Port 2200', '  IdentityFile ~/.ssh/b', '  IdentityFile ~/.ssh/a'].join('\n'),
    'web',
  );
  assert.equal(c.user, 'first');
  assert.equal(c.port, 2200);
  assert.deepEqual(
    c.identityFiles.map((f) => [f.path, f.configured, f.userProvided]),
    [
      ['/home/me/.ssh/a', '~/.ssh/a', true],
      ['/home/me/.ssh/b', '~/.ssh/b', true],
    ],
  );
});

test('command-line user and port win over the files; defaults fill the rest', () => {
  const c = resolve('User fileuser\nPort 1\n', 'h', { user: 'cli', port: 2022 });
  assert.equal(c.user, 'cli');
  assert.equal(c.port, 2022);
  const d = resolve('', 'Some.Host');
  assert.equal(d.user, 'me');
  assert.equal(d.port, 22);
  assert.equal(d.hostName, 'some.host', 'host names are lower-cased');
  assert.equal(d.strictHostKeyChecking, 'ask');
  assert.deepEqual(
    d.identityFiles.map((f) => f.configured),
    ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'],
  );
  assert.ok(d.identityFiles.every((f) => !f.userProvided));
  assert.deepEqual(d.userKnownHostsFiles, ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2']);
  assert.deepEqual(d.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
});

test('-o command-line options are read first and cannot hold Host/Match/Include', () => {
  const c = resolve('User fromfile\n', 'h', { commandLineOptions: ['User=fromcli', 'Port 99'] });
  assert.equal(c.user, 'fromcli');
  assert.equal(c.port, 99);
  const e = configError(() => resolve('', 'h', { commandLineOptions: ['Host x'] }));
  assert.match(e.message, /command-line line 1: Host directive not supported as a command-line option/);
});

// ---------------------------------------------------------------------------------------------
// Host and Match

test('Host: whitespace-separated patterns, wildcards, negation; matched case-sensitively against the name as typed', () => {
  const text = ['Host *.example.com !bad.example.com', '  User ex', 'Host web? db*', '  User wild', 'Host a,b', '  User comma', 'Host UPPER', '  User upper'].join('\n');
  assert.equal(resolve(text, 'x.example.com').user, 'ex');
  assert.equal(resolve(text, 'bad.example.com').user, 'me');
  assert.equal(resolve(text, 'web1').user, 'wild');
  assert.equal(resolve(text, 'web12').user, 'me');
  assert.equal(resolve(text, 'dbserver').user, 'wild');
  assert.equal(resolve(text, 'a').user, 'me', 'a comma is part of the pattern, not a separator');
  assert.equal(resolve(text, 'a,b').user, 'comma');
  assert.equal(resolve(text, 'upper').user, 'me');
  assert.equal(resolve(text, 'UPPER').user, 'upper');
});

test('Match host / originalhost / user / localuser / all, with negation and pattern lists', () => {
  const text = [
    'Match originalhost short',
    '  HostName short.corp.example',
    'Match host *.corp.example,!*.dmz.corp.example user root,admin',
    '  Port 2201',
    'Match host *.CORP.example',
    '  ConnectionAttempts 5',
    'Match !localuser me',
    '  BatchMode yes',
    'Match localuser m?',
    '  ServerAliveInterval 30',
    'Match all',
    '  ServerAliveCountMax 9',
  ].join('\n');
  const a = resolve(text, 'short');
  assert.equal(a.hostName, 'short.corp.example');
  assert.equal(a.port, 22, 'user is me, not root/admin');
  assert.equal(a.connectionAttempts, 5, 'Match host compares case-insensitively');
  assert.equal(a.batchMode, false);
  assert.equal(a.serverAliveInterval, 30);
  assert.equal(a.serverAliveCountMax, 9);
  assert.equal(resolve(text, 'short', { user: 'admin' }).port, 2201);
  assert.equal(resolve(text, 'x.dmz.corp.example', { user: 'admin' }).port, 22);
  assert.equal(resolve(text, 'other', { localUser: 'you' }).batchMode, true);
});

test('Match final / canonical: a second pass with the final host name, where Host matches it too', () => {
  const text = ['Host alias', '  HostName Real.Example', 'Host real.example', '  User fromfinal', 'Match canonical', '  Port 2222', 'Match final', '  Compression yes'].join('\n');
  const c = resolve(text, 'alias');
  assert.equal(c.hostName, 'real.example');
  assert.equal(c.user, 'fromfinal');
  assert.equal(c.port, 2222);
  assert.equal(c.compression, true);
  // CanonicalizeHostname makes ssh read the files again too (hush does not look the name up).
  const canon = resolve('CanonicalizeHostname yes\nMatch canonical\n  Port 2200\n', 'h');
  assert.equal(canon.port, 2200);
  assert.deepEqual(canon.unsupported.map((u) => u.keyword), ['CanonicalizeHostname']);
  // Without `Match final` there is one pass only.
  const d = resolve(['Host alias', '  HostName real.example', 'Host real.example', '  User fromfinal', 'Match canonical', '  Port 2222'].join('\n'), 'alias');
  assert.equal(d.user, 'me');
  assert.equal(d.port, 22);
});

test('Match exec: an error naming the line unless an exec callback is given; tokens are expanded', () => {
  const text = 'Host x\n  User a\nMatch host nomatch exec "false"\n  Port 1\nMatch exec "test %h = %n -a %u = me -a %p = 22 -a %r = me"\n  Port 2\n';
  const e = configError(() => resolve(text, 'h'));
  assert.equal(e.line, 5, 'the skipped exec on line 3 is not an error; line 5 is');
  assert.equal(e.file, '/home/me/.ssh/config');
  assert.match(e.message, /^\/home\/me\/\.ssh\/config line 5: Match exec is not supported/);
  const seen: string[] = [];
  const c = resolve(text, 'h', {
    exec: (cmd) => {
      seen.push(cmd);
      return true;
    },
  });
  assert.deepEqual(seen, ['test h = h -a me = me -a 22 = 22 -a me = me']);
  assert.equal(c.port, 2);
});

test('Match syntax errors', () => {
  assert.match(configError(() => resolve('Match host\n', 'h')).message, /line 1: Bad Match condition: Missing Match criteria for host/);
  assert.match(configError(() => resolve('Match color blue\n', 'h')).message, /Unsupported Match attribute color/);
  assert.match(configError(() => resolve('Match all host x\n', 'h')).message, /'all' cannot be combined/);
});

// ---------------------------------------------------------------------------------------------
// Include

test('Include: user files relative to ~/.ssh, system files to /etc/ssh; globs sorted; Match state does not leak', () => {
  const fs = memoryFileSystem({
    '/home/me/.ssh/conf.d/20-b.conf': 'Host *\n  Port 2020\n',
    '/home/me/.ssh/conf.d/10-a.conf': 'Match host nothing\n  User never\n',
    '/home/me/.ssh/conf.d/.hidden.conf': 'User hidden\n',
    '/home/me/.ssh/conf.d/notes.txt': 'User txt\n',
    '/etc/ssh/ssh_config.d/sys.conf': 'User sys\n',
    '/home/me/.ssh/inactive.conf': 'User inactive\n',
  });
  const c = resolveSshConfig({
    ...BASE,
    host: 'h',
    fs,
    files: [
      { path: '/home/me/.ssh/config', text: 'Include conf.d/*.conf\nHostName after-include\nHost other\n  Include inactive.conf\n' },
      { path: '/etc/ssh/ssh_config', text: 'Include ssh_config.d/*.conf\n', system: true },
    ],
  });
  assert.equal(c.port, 2020);
  assert.equal(c.hostName, 'after-include', 'the Match in 10-a.conf did not deactivate the including file');
  assert.equal(c.user, 'sys');
  const e = configError(() =>
    resolveSshConfig({ ...BASE, host: 'h', fs, files: [{ path: '/etc/ssh/ssh_config', text: 'Include ~/x.conf\n', system: true }] }),
  );
  assert.match(e.message, /bad include path ~\/x\.conf/);
  // Include without file access is an error that names the line.
  assert.match(configError(() => resolve('\nInclude foo\n', 'h')).message, /line 2: Include foo/);
});

// ---------------------------------------------------------------------------------------------
// Algorithms

test('KexAlgorithms / Ciphers / MACs / HostKeyAlgorithms: + - ^ and wildcards against hush\'s lists', () => {
  const c = resolve(
    ['Ciphers +aes128-cbc', 'MACs -*-etm@openssh.com', 'KexAlgorithms ^diffie-hellman-group14-sha256', 'HostKeyAlgorithms ssh-ed25519,rsa-sha2-*'].join('\n'),
    'h',
  );
  assert.equal(c.ciphers.at(-1), 'aes128-cbc');
  assert.ok(!c.macs.some((m) => m.endsWith('-etm@openssh.com')) && c.macs.length > 0);
  assert.equal(c.kexAlgorithms[0], 'diffie-hellman-group14-sha256');
  assert.equal(new Set(c.kexAlgorithms).size, c.kexAlgorithms.length, 'no duplicates');
  assert.deepEqual(c.hostKeyAlgorithms, ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256']);
  const prefs = clientAlgorithmPreferences(c);
  assert.equal(prefs.allowInsecure, true, 'naming aes128-cbc opts in');
  assert.deepEqual(prefs.algorithms.cipher, c.ciphers);

  const w = resolve('HostKeyAlgorithms *\nCiphers -*-gcm@openssh.com\n', 'h');
  assert.ok(!w.hostKeyAlgorithms.includes('ssh-rsa'), 'a wildcard never selects a weak algorithm');
  assert.ok(w.hostKeyAlgorithms.includes('ssh-ed25519'));
  assert.ok(!w.ciphers.some((x) => x.endsWith('-gcm@openssh.com')));
  assert.equal(clientAlgorithmPreferences(w).allowInsecure, false);
  assert.match(configError(() => resolve('Ciphers aes*\n', 'h')).message, /Bad SSH2 cipher spec 'aes\*'/, 'wildcards only after -');

  const u = resolve('MACs umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n', 'h');
  assert.deepEqual(u.macs, ['hmac-sha2-256-etm@openssh.com']);
  assert.match(u.warnings[0] ?? '', /line 1: umac-128-etm@openssh\.com is not implemented by hush/);

  assert.match(configError(() => resolve('\nCiphers aes128-ctr,rot13\n', 'h')).message, /line 2: Bad SSH2 cipher spec 'aes128-ctr,rot13'\./);
  assert.match(configError(() => resolve('MACs umac-64@openssh.com\n', 'h')).message, /no MACs in "umac-64@openssh.com" are implemented/);
});

// ---------------------------------------------------------------------------------------------
// Tokens

test('% tokens and ${VAR} where ssh expands them; IdentityFile printed as written', () => {
  const c = resolve(
    [
      'Host target',
      '  HostName %h.internal',
      '  User remote',
      '  Port 2200',
      '  HostKeyAlias KeyAlias',
      '  UserKnownHostsFile ~/kh/%h-%p-%r %d/%u-%n-%l-%L-%i-%k-%% /x/%C',
      '  IdentityFile ~/.ssh/id_%r@%h',
      '  IdentityFile ${FOO}/key',
      '  IdentityAgent ~/agent.%u',
      '  ForwardAgent /run/${FOO}/%h.sock',
      '  GlobalKnownHostsFile ~/global',
    ].join('\n'),
    'target',
  );
  const hash = createHash('sha1').update(`box.example.lantarget.internal2200remote`).digest('hex');
  assert.deepEqual(c.userKnownHostsFiles, [
    '/home/me/kh/target.internal-2200-remote',
    '/home/me/me-target-box.example.lan-box-1000-keyalias-%',
    `/x/${hash}`,
  ]);
  assert.deepEqual(
    c.identityFiles.map((f) => f.path),
    ['/home/me/.ssh/id_remote@target.internal', 'foo-value/key'],
  );
  assert.equal(c.identityAgent, '/home/me/agent.me');
  assert.equal(c.forwardAgentPath, '/run/foo-value/target.internal.sock');
  assert.deepEqual(c.globalKnownHostsFiles, ['/home/me/global']);
  const g = formatSshConfigG(c);
  assert.match(g, /^identityfile ~\/\.ssh\/id_%r@%h$/m);
  assert.match(g, /^globalknownhostsfile ~\/global$/m);
  assert.throws(() => resolve('UserKnownHostsFile /x/%z\n', 'h'), /unknown key %z/);
  assert.throws(() => resolve('IdentityFile ${NOPE}/k\n', 'h'), /NOPE/);
});

// ---------------------------------------------------------------------------------------------
// Errors and unknown keywords

test('an unknown keyword is an error with file and line; every bad line is reported; IgnoreUnknown', () => {
  const e = configError(() => resolve('User a\nFrobnicate yes\nPort 0\nHost nomatch\n  AlsoBad 1\n', 'h'));
  assert.deepEqual(
    e.problems.map((p) => [p.line, p.reason]),
    [
      [2, 'Bad configuration option: frobnicate'],
      [3, "Bad port '0'."],
      [5, 'Bad configuration option: alsobad'],
    ],
  );
  assert.equal(e.message.split('\n')[0], '/home/me/.ssh/config line 2: Bad configuration option: frobnicate');
  const c = resolve('IgnoreUnknown Frob*,UseKeychain\nFrobnicate yes\nusekeychain yes\n', 'h');
  assert.equal(c.ignoreUnknown, 'Frob*,UseKeychain');
  assert.match(configError(() => resolve('Frobnicate yes\nIgnoreUnknown Frob*\n', 'h')).message, /line 1: Bad configuration option/);
});

test('keywords OpenSSH knows but hush ignores are reported, not rejected', () => {
  const c = resolve('Host *\n  ForwardX11 yes\n  ControlMaster auto\nHost other\n  ControlPath /x\n', 'h');
  assert.deepEqual(
    c.unsupported.map((u) => [u.keyword, u.line]),
    [
      ['ForwardX11', 2],
      ['ControlMaster', 3],
    ],
  );
});

test('value errors use ssh\'s words', () => {
  const cases: [string, RegExp][] = [
    ['StrictHostKeyChecking maybe', /unsupported option "maybe"/],
    ['User', /no argument after keyword "user"/],
    ['Port 22 23', /keyword port extra arguments at end of line/],
    ['HostName "unterminated', /invalid quotes/],
    ['LocalForward 8080', /Missing target argument/],
    ['EscapeChar abc', /Bad escape character/],
    ['ServerAliveInterval 5x', /invalid time value/],
    ['ServerAliveCountMax -1', /integer value too small/],
    ['SendEnv A=B', /Invalid environment name/],
    ['SetEnv NOEQUALS', /Invalid SetEnv/],
    ['RekeyLimit 10', /RekeyLimit too small/],
    ['ProxyJump [::1', /Invalid ProxyJump/],
    ['LogLevel LOUD', /unsupported log level 'LOUD'/],
    ['IdentityAgent $BAD-NAME', /Invalid environment name/],
    ['UserKnownHostsFile none /x', /"none" argument must appear alone/],
  ];
  for (const [line, re] of cases) assert.match(configError(() => resolve(`${line}\n`, 'h')).message, re, line);
});

// ---------------------------------------------------------------------------------------------
// Forwards, ProxyJump, misc

test('forward specifications', () => {
  assert.deepEqual(parseForward('8080:localhost:80', false, false, {}), { listenPort: 8080, connectHost: 'localhost', connectPort: 80 });
  assert.deepEqual(parseForward('[::1]:8080:[2001:db8::1]:80', false, false, {}), {
    listenHost: '::1',
    listenPort: 8080,
    connectHost: '2001:db8::1',
    connectPort: 80,
  });
  assert.deepEqual(parseForward('/tmp/l.sock:/tmp/r.sock', false, false, {}), { listenPath: '/tmp/l.sock', connectPath: '/tmp/r.sock' });
  assert.deepEqual(parseForward('1080', true, false, {}), { listenPort: 1080, connectHost: 'socks' });
  assert.deepEqual(parseForward('0', true, true, {}), { listenPort: 0, connectHost: 'socks' });
  assert.equal(parseForward('0', true, false, {}), undefined, 'a local listener needs a port');
  assert.equal(parseForward('80:host', false, false, {}), undefined);
  const c = resolve('LocalForward 8080 localhost:80\nLocalForward 8080 localhost:80\nDynamicForward 1080\nRemoteForward 9000\n', 'h');
  assert.equal(c.localForwards.length, 2, 'duplicates dropped');
  assert.deepEqual(c.remoteForwards, [{ listenPort: 9000, connectHost: 'socks' }]);
});

test('ProxyJump, ProxyCommand and their interplay', () => {
  const c = resolve('ProxyJump alice@bastion:2222,[2001:db8::1],ssh://bob@inner:23\nProxyCommand nc %h %p\n', 'h');
  assert.deepEqual(c.proxyJump, [{ user: 'alice', host: 'bastion', port: 2222 }, { host: '2001:db8::1' }, { user: 'bob', host: 'inner', port: 23 }]);
  assert.equal(c.proxyCommand, undefined, 'ProxyJump came first');
  assert.match(formatSshConfigG(c), /^proxyjump alice@bastion:2222,\[2001:db8::1\],bob@inner:23$/m);
  const d = resolve('ProxyCommand ssh -W %h:%p gw # not a comment\nProxyJump gw\n', 'h');
  assert.equal(d.proxyCommand, 'ssh -W %h:%p gw # not a comment');
  assert.equal(d.proxyJump, undefined);
  const n = resolve('ProxyJump none\nProxyJump gw\nProxyCommand nc %h %p\n', 'h');
  assert.equal(n.proxyJump, undefined, 'none is a value: it blocks a later ProxyJump');
  assert.equal(n.proxyCommand, 'nc %h %p', 'but not a later ProxyCommand');
});

// ---------------------------------------------------------------------------------------------
// Interop: ssh -G

interface GCase {
  readonly name: string;
  /** Files relative to the temp dir; `main` is passed with -F. DIR is replaced by the temp dir. */
  readonly files: Readonly<Record<string, string>>;
  readonly hosts: readonly (string | { host: string; user?: string; port?: number })[];
}

const G_CASES: readonly GCase[] = [
  {
    name: 'Host patterns',
    files: {
      main: [
        'Host *.example.com !bad.example.com',
        '  User alice',
        '  Port 2200',
        '  IdentityFile ~/.ssh/id_test_%h',
        '  HostName %h.internal',
        'Host web? db*',
        '  User=bob',
        '  IdentityFile ~/.ssh/web',
        'Host CaseSensitive',
        '  User upper',
        'Host *',
        '  IdentityFile ~/.ssh/all',
        '  IdentitiesOnly yes',
      ].join('\n'),
    },
    hosts: ['a.example.com', 'bad.example.com', 'web1', 'web12', 'dbx', 'other', 'casesensitive', 'CaseSensitive', 'UPPER.Example.COM'],
  },
  {
    name: 'Match',
    files: {
      main: [
        'Match originalhost short !host *.corp',
        '  HostName short.corp.example',
        'Match host *.corp.example user LOCALUSER,admin',
        '  Port 2201',
        'Match user alice',
        '  Port 2202',
        'Match localuser LOCALUSER',
        '  IdentityFile ~/.ssh/local_%u',
        'Match !host nothing-matches',
        '  ServerAliveInterval 15',
        'Match canonical',
        '  BatchMode yes',
        'Match final host *.example',
        '  ConnectionAttempts 7',
        'Match host other',
        '  HostName OTHER.EXAMPLE',
        'Host other.example',
        '  User from-final-pass',
        'Match all',
        '  ServerAliveCountMax 8',
      ].join('\n'),
    },
    hosts: ['short', { host: 'short', user: 'alice' }, { host: 'x.corp.example', user: 'admin' }, 'other', { host: 'other', port: 2022 }],
  },
  {
    name: 'Include',
    files: {
      main: [
        'Include DIR/conf.d/*.conf',
        'Include hush-relative.conf',
        'Host special',
        '  Include DIR/special.conf',
        'Host *',
        '  User after-includes',
      ].join('\n'),
      'conf.d/20-second.conf': 'Host *\n  Port 2020\n  IdentityFile ~/.ssh/second\n',
      'conf.d/10-first.conf': 'Match host nothing\n  User never\nHost *\n  IdentityFile ~/.ssh/first\n',
      'conf.d/.hidden.conf': 'User hidden\n',
      'conf.d/skip.txt': 'User txt\n',
      'special.conf': 'User special\nInclude DIR/nested.conf\n',
      'nested.conf': 'ConnectionAttempts 3\n',
      'home/.ssh/hush-relative.conf': 'ServerAliveInterval 42\n',
    },
    hosts: ['plain', 'special'],
  },
  {
    name: 'algorithm modifiers',
    files: {
      main: [
        'Host p1',
        '  Ciphers +aes128-cbc,3des-cbc',
        '  MACs -hmac-sha1*,umac-64*',
        '  KexAlgorithms ^diffie-hellman-group14-sha1,curve25519-sha256',
        '  HostKeyAlgorithms -*-cert-v01@openssh.com,ssh-rsa',
        'Host p2',
        '  Ciphers aes256-gcm@openssh.com,aes128-ctr',
        '  MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256',
        '  KexAlgorithms curve25519-sha256',
        '  HostKeyAlgorithms ssh-ed25519,rsa-sha2-*',
        'Host p3',
        '  Ciphers ^chacha20-poly1305@openssh.com',
        '  KexAlgorithms -ecdh-sha2-*,diffie-hellman-group16-sha512',
        '  HostKeyAlgorithms +ssh-rsa',
        '  MACs ^hmac-sha1',
        'Host p4',
        '  Ciphers -*',
        '  Ciphers aes128-ctr',
      ].join('\n'),
    },
    hosts: ['p1', 'p2', 'p3', 'none'],
  },
  {
    name: 'tokens',
    files: {
      main: [
        'Host t*',
        '  HostName %h.tld',
        '  User remote',
        '  Port 2200',
        '  HostKeyAlias Alias.Of.%h',
        '  UserKnownHostsFile ~/.kh/%h-%p-%r %d/x-%u-%n-%C-%l-%L-%i-%k-%% ${HUSH_TEST_VAR}/kh',
        '  IdentityAgent ~/agent.%u.${HUSH_TEST_VAR}',
        '  IdentityFile ~/.ssh/id_%r@%h',
        '  LocalForward /tmp/hush-%h.sock localhost:22',
        '  RemoteForward 9000 /tmp/r-%p-%r.sock',
        '  ForwardAgent ~/fa-%h.sock',
        'Host u',
        '  UserKnownHostsFile none',
        '  GlobalKnownHostsFile none',
        '  IdentityAgent SSH_AUTH_SOCK',
      ].join('\n'),
    },
    hosts: ['t1', 'u'],
  },
  {
    name: 'other keywords',
    files: {
      main: [
        'Host a',
        '  EscapeChar ^A',
        '  ProxyJump u@h:2222,[::1]:22',
        '  ConnectTimeout none',
        '  RekeyLimit default none',
        '  StrictHostKeyChecking off',
        '  RequestTTY no',
        '  PubkeyAuthentication host-bound',
        'Host b',
        '  EscapeChar none',
        '  ProxyCommand nc %h %p',
        '  ProxyJump ignored-after-proxycommand',
        '  StrictHostKeyChecking yes',
        '  RequestTTY yes',
        '  PubkeyAuthentication no',
        '  SetEnv FIRST=1',
        'Host c',
        '  EscapeChar x',
        '  ProxyJump none',
        '  ProxyCommand also-ignored',
        '  LogLevel debug3',
        'Host *',
        '  StrictHostKeyChecking accept-new',
        '  RequestTTY force',
        '  SetEnv FOO=bar "BAZ=qu ux"',
        '  SendEnv LANG LC_* X',
        '  SendEnv -X',
        '  LogLevel DEBUG1',
        '  RekeyLimit 1.5G 1h30m',
        '  ConnectTimeout 10',
        '  BindAddress 127.0.0.1',
        '  AddressFamily inet',
        '  NumberOfPasswordPrompts 2',
        '  ConnectionAttempts 4',
        '  CheckHostIP yes',
        '  Compression yes',
        '  HashKnownHosts yes',
        '  KbdInteractiveAuthentication no',
        '  PasswordAuthentication no',
        '  IgnoreUnknown Foo*',
        '  FooBar whatever',
        '  ForwardAgent yes',
        '  PreferredAuthentications publickey,password',
        '  ServerAliveInterval 1m',
        '  ServerAliveCountMax 0',
        '  GlobalKnownHostsFile ~/g1 /g2',
        '  DynamicForward localhost:1080',
        '  DynamicForward 1081',
        '  LocalForward 8080 [::1]:80',
        '  LocalForward 127.0.0.1:8081 /tmp/sock',
        '  RemoteForward 0 localhost:22',
      ].join('\n'),
    },
    hosts: ['a', 'b', 'c', 'd'],
  },
];

async function writeCase(dir: string, c: GCase): Promise<string> {
  for (const [name, text] of Object.entries(c.files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text.replaceAll('DIR', dir).replaceAll('LOCALUSER', userInfo().username), { mode: 0o644 });
  }
  return join(dir, 'main');
}

test('ssh -G agrees with resolveSshConfig on every supported keyword', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tables: AlgorithmTables = await opensshClientTables();
  const me = userInfo();
  for (const c of G_CASES) {
    const tmp = await makeTempDir(t);
    const main = await writeCase(tmp.path, c);
    const fakeHome = join(tmp.path, 'home');
    // Include's `~` comes from $HOME (glob(3)); %d and IdentityFile's `~` from the password file.
    const env = { ...process.env, HOME: fakeHome, HUSH_TEST_VAR: '/var/hush-test' };
    for (const h of c.hosts) {
      const spec = typeof h === 'string' ? { host: h } : h;
      const args = ['-G', '-F', main];
      if (spec.user !== undefined) args.push('-l', spec.user);
      if (spec.port !== undefined) args.push('-p', String(spec.port));
      args.push(spec.host);
      const r = await runClient(findBinary('ssh')!, args, { env, timeoutMs: 15_000 });
      assert.equal(r.code, 0, `${c.name} ${spec.host}: ${r.stderr}`);
      const mine = resolveSshConfig({
        host: spec.host,
        ...(spec.user !== undefined ? { user: spec.user } : {}),
        ...(spec.port !== undefined ? { port: spec.port } : {}),
        files: [{ path: main, text: nodeConfigFs.readFile(main)! }],
        localUser: me.username,
        home: me.homedir,
        uid: me.uid,
        hostname: hostname(),
        env,
        fs: nodeConfigFs,
        algorithms: tables,
      });
      assert.ok(keep(formatSshConfigG(mine), SSH_G_KEYWORDS).length >= 30, 'every supported keyword is compared');
      assert.deepEqual(keep(formatSshConfigG(mine), SSH_G_KEYWORDS), keep(r.stdout, SSH_G_KEYWORDS), `${c.name}: ssh -G ${spec.host}`);
    }
  }
});

const BAD_CONFIGS: readonly string[] = [
  'User a\nFrobnicate yes\n',
  'Port 0\n',
  'Port abc\n',
  'Host x\nStrictHostKeyChecking maybe\n',
  'Ciphers aes128-ctr,rot13\n',
  'MACs hmac-sha2-256,nope\n',
  'KexAlgorithms +nope\n',
  'HostKeyAlgorithms ssh-nope\n',
  'User\n',
  'Port 22 23\n',
  'HostName "unterminated\n',
  'Match host\n',
  'Match bogus x\n',
  'LocalForward 80\n',
  'EscapeChar abc\n',
  'ServerAliveInterval 5x\n',
  'SendEnv A=B\n',
  'SetEnv NOEQUALS\n',
  'RekeyLimit 10\n',
  'ProxyJump [::1\n',
  'LogLevel LOUD\n',
  'IdentityAgent $BAD-NAME\n',
  'ConnectionAttempts x\n',
  'Host nomatch\n  AlsoUnknown 1\nPort 22\nBadToo 2\n',
  'UserKnownHostsFile /a none\n',
  'Compression true\n',
  'MACs hmac-sha2-*\n',
];

test('ssh -G and resolveSshConfig reject the same bad lines', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  for (const [i, text] of BAD_CONFIGS.entries()) {
    const path = join(tmp.path, `bad${i}`);
    await writeFile(path, text);
    const r = await runClient(findBinary('ssh')!, ['-G', '-F', path, 'host'], { timeoutMs: 15_000 });
    assert.notEqual(r.code, 0, `ssh accepted:\n${text}`);
    const e = configError(() =>
      resolveSshConfig({ ...BASE, host: 'host', files: [{ path, text }] }),
    );
    assert.deepEqual(
      e.problems.map((p) => p.line),
      [...new Set(reportedLines(r.stderr))],
      `${text}\nssh said: ${r.stderr}\nhush said: ${e.message}`,
    );
  }
});

// Values for the seeded random configurations: good and bad ones for every supported keyword.
// Two Debian patches are kept out: BatchMode yes also sets ServerAliveInterval 300, and
// LogLevel QUIET prints as SILENT.
const RANDOM_VALUES: Readonly<Record<string, readonly string[]>> = {
  HostName: ['%h.x', 'real', 'UP.case', '10.0.0.1', '%h', '%%h', 'FE80::1'],
  User: ['u1', 'u2', '"a b"'],
  Port: ['22', '2222', '0', 'x'],
  IdentityFile: ['~/.ssh/k1', '%d/k2', '~/.ssh/id_%r', 'none'],
  IdentitiesOnly: ['yes', 'no', 'maybe'],
  IdentityAgent: ['none', 'SSH_AUTH_SOCK', '~/a.%u', '${HOME}/s'],
  UserKnownHostsFile: ['~/kh1 ~/kh2', 'none', '/k/%h', '%C', '/t/%k-%n-%L-%l-%i-%p-%r-%u-%d-%%', 'a none', '"/q s" /x'],
  GlobalKnownHostsFile: ['/g1', 'none', '~/g'],
  StrictHostKeyChecking: ['yes', 'no', 'ask', 'accept-new', 'off', 'true', 'bogus'],
  HashKnownHosts: ['yes', 'no'],
  ServerAliveInterval: ['0', '10', '1m', 'none', 'x'],
  ServerAliveCountMax: ['0', '5', '-1'],
  ConnectTimeout: ['none', '5', '2m'],
  KexAlgorithms: ['+diffie-hellman-group14-sha1', '-curve25519*', '^ecdh-sha2-nistp256', 'curve25519-sha256'],
  Ciphers: ['+aes128-cbc', '-aes*-ctr', '^aes256-gcm@openssh.com', 'aes128-ctr,aes256-ctr', 'bogus'],
  MACs: ['+hmac-md5', '-*etm*', '^hmac-sha2-512', 'hmac-sha2-256'],
  HostKeyAlgorithms: ['+ssh-rsa', '-*cert*', '^ssh-ed25519', 'ssh-ed25519,rsa-sha2-*', '*nistp*'],
  PreferredAuthentications: ['publickey', 'password,publickey'],
  RequestTTY: ['yes', 'no', 'force', 'auto'],
  SetEnv: ['A=1', 'B=2 C=3', 'A=9', 'NOEQ', '"Q=a b"'],
  SendEnv: ['LANG', 'LC_*', '-LC_*', 'X Y'],
  LogLevel: ['INFO', 'debug', 'DEBUG2', 'error', 'VERBOSE', 'FATAL'],
  BatchMode: ['no'],
  PasswordAuthentication: ['yes', 'no'],
  PubkeyAuthentication: ['yes', 'no', 'unbound', 'host-bound'],
  KbdInteractiveAuthentication: ['yes', 'no'],
  ChallengeResponseAuthentication: ['no'],
  Compression: ['yes', 'no'],
  ProxyJump: ['gw', 'u@gw:22', 'a,b', 'none', '[::1]:2', 'ssh://u@h:3', 'x:0', 'a@b@c', 'h # c', '1.2.3.4:5'],
  ProxyCommand: ['nc %h %p', 'none'],
  ForwardAgent: ['yes', 'no', '~/f.sock'],
  LocalForward: ['8000 localhost:80', '/tmp/s localhost:22', '8001 /tmp/t', '[::1]:8002 [::2]:22', 'bad', '0 h:1', '8003 h:0', '8004 /tmp/%h'],
  RemoteForward: ['9000', '9001 localhost:22'],
  DynamicForward: ['1080', 'localhost:1081'],
  RekeyLimit: ['1G', '500M 10m', 'default none', '1G none', '1.5K', '15', '2X', '1G 1x'],
  AddressFamily: ['any', 'inet', 'inet6'],
  BindAddress: ['127.0.0.1'],
  ConnectionAttempts: ['1', '3'],
  EscapeChar: ['~', 'none', '^B', '%', '^a', '^?', 'ab', '\\\\'],
  CheckHostIP: ['yes', 'no'],
  NumberOfPasswordPrompts: ['1', '4'],
  HostKeyAlias: ['alias%h', 'KA'],
  IgnoreUnknown: ['Foo*'],
  Foobar: ['1'],
  ForwardX11: ['yes'],
  CanonicalizeHostname: ['no', 'yes', 'always', 'bad'],
};
const RANDOM_HEADS = [
  'Host *',
  'Host a*',
  'Host !b* *',
  'Host h?',
  'Host host1 x.example.com',
  'Host *.example.com',
  'Match host h*',
  'Match originalhost a*',
  'Match user u*',
  'Match !host x*',
  'Match all',
  'Match localuser root',
  'Match final',
  'Match canonical',
  'Match host a*,!ab*',
  'Match final host *.x',
];

test('seeded random configurations: ssh -G and resolveSshConfig agree (values and rejected lines)', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  const tables = await opensshClientTables();
  const tmp = await makeTempDir(t);
  const me = userInfo();
  const { rnd, pick } = seeded(20260421);
  const keywords = Object.keys(RANDOM_VALUES);
  for (let i = 0; i < 250; i++) {
    const lines: string[] = [];
    const n = 3 + Math.floor(rnd() * 15);
    for (let j = 0; j < n; j++) {
      if (rnd() < 0.2) {
        lines.push(pick(RANDOM_HEADS));
        continue;
      }
      const k = pick(keywords);
      lines.push(`${rnd() < 0.5 ? '  ' : ''}${rnd() < 0.2 ? k.toLowerCase() : k}${rnd() < 0.2 ? '=' : ' '}${pick(RANDOM_VALUES[k]!)}`);
    }
    const text = `${lines.join('\n')}\n`;
    const path = join(tmp.path, `random${i}`);
    await writeFile(path, text);
    const host = pick(['host1', 'a1', 'ab', 'h2', 'x.example.com', 'B1']);
    const r = await runClient(findBinary('ssh')!, ['-G', '-F', path, host], { timeoutMs: 15_000 });
    let mine: string | undefined;
    let err: unknown;
    try {
      mine = formatSshConfigG(
        resolveSshConfig({ host, files: [{ path, text }], localUser: me.username, home: me.homedir, uid: me.uid, hostname: hostname(), env: process.env, algorithms: tables }),
      );
    } catch (e) {
      err = e;
    }
    const context = `${path} (${host}):\n${text}ssh: ${r.stderr}\nhush: ${err instanceof Error ? err.message : 'accepted'}`;
    if (r.code !== 0) {
      assert.ok(err instanceof ConfigError, context);
      const theirs = [...new Set(reportedLines(r.stderr))];
      // Expansion errors (an unknown %-token) are fatal in ssh without a line number; hush names the line.
      if (theirs.length > 0) assert.deepEqual(err.problems.map((p) => p.line), theirs, context);
      continue;
    }
    assert.equal(err, undefined, context);
    assert.deepEqual(keep(mine!, SSH_G_KEYWORDS), keep(r.stdout, SSH_G_KEYWORDS), context);
  }
});

/** The pure parts of the hush client: ssh's command line and its escape-sequence reader. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandLineNameProblem, parseHushArgs, UsageError } from '../../src/cli/client/args.js';
import { makeTempDir } from '../harness/peers.js';
import { EscapeFilter, type EscapeAction } from '../../src/cli/client/escape.js';

const enc = (s: string) => new TextEncoder().encode(s);
const show = (actions: EscapeAction[]) => actions.map((a) => (a.kind === 'data' ? new TextDecoder().decode(a.data) : `<${a.command}>`)).join('');

test('escape sequences: only at the start of a line; ~~ sends one ~; unknown ones pass through; ~. stops', () => {
  const run = (...chunks: string[]) => {
    const f = new EscapeFilter(0x7e);
    return chunks.map((c) => show(f.process(enc(c)))).join('|');
  };
  assert.equal(run('~.'), '<disconnect>');
  assert.equal(run('ls ~.\r'), 'ls ~.\r');
  assert.equal(run('ls\r~.rest'), 'ls\r<disconnect>');
  assert.equal(run('\n~?'), '\n<help>');
  assert.equal(run('~?~#~.'), '<help><list><disconnect>', 'a command keeps the line start');
  assert.equal(run('~~x'), '~x');
  assert.equal(run('~~~.'), '~~.', 'after ~~ the line has started');
  assert.equal(run('~x'), '~x');
  assert.equal(run('~', '.'), '|<disconnect>', 'split across reads');
  assert.equal(run('a\r', '~', 'B', '~R', '~v', '~V', '~\x1a', '~C', '~&', 'R'), 'a\r||<break>|<rekey>|<more-verbose>|<less-verbose>|<suspend>|<command-line>|<background>|R');
  const caret = new EscapeFilter('^'.charCodeAt(0));
  assert.equal(show(caret.process(enc('~.^.'))), '~.^.');
  assert.equal(show(new EscapeFilter('^'.charCodeAt(0)).process(enc('^.'))), '<disconnect>');
});

test('command line: ssh getopt habits (grouped flags, attached values, options after the destination)', () => {
  const a = parseHushArgs(['-vvt', '-p22', '-l', 'bob', '-o', 'Compression=yes', 'host', '-q', 'ls', '-l', '/']);
  assert.equal(a.destination, 'host');
  assert.equal(a.user, 'bob');
  assert.equal(a.port, 22);
  assert.equal(a.verbose, 2);
  assert.equal(a.quiet, true);
  assert.deepEqual(a.command, ['ls', '-l', '/']);
  // -v and -t win over -o and the files: they come first.
  assert.deepEqual(a.options, ['RequestTTY yes', 'LogLevel DEBUG2', 'Compression=yes']);
  const u = parseHushArgs(['alice@example.com', 'echo', 'hi']);
  assert.equal(u.user, 'alice');
  assert.equal(u.destination, 'example.com');
  const first = parseHushArgs(['-l', 'first', 'second@h']);
  assert.equal(first.user, 'first', 'the first user given wins, as in ssh');
  const uri = parseHushArgs(['ssh://carol@example.org:2200']);
  assert.deepEqual([uri.user, uri.destination, uri.port], ['carol', 'example.org', 2200]);
  assert.throws(() => parseHushArgs(['ssh://[::1]']), /invalid URI/, 'as ssh: a URI host must be a domain name');
  assert.equal(parseHushArgs(['-p', '1', 'ssh://h:2']).port, 1, '-p wins over the URI port');
  const tt = parseHushArgs(['-tt', '-T', 'h']);
  assert.deepEqual(tt.options, ['RequestTTY no']);
  assert.deepEqual(parseHushArgs(['-tt', 'h']).options, ['RequestTTY force']);
  assert.deepEqual(parseHushArgs(['-J', 'j1,j2', '-4', '-c', 'aes128-ctr', 'h']).options, ['ProxyJump j1,j2', 'AddressFamily inet', 'Ciphers aes128-ctr']);
  assert.deepEqual(parseHushArgs(['h', '--', '-v']).command, ['-v']);
  assert.equal(parseHushArgs(['-G', 'h']).printConfig, true);
  assert.equal(parseHushArgs(['-V']).version, true);
  assert.throws(() => parseHushArgs([]), UsageError);
  assert.throws(() => parseHushArgs(['-p', 'x', 'h']), /Bad port 'x'/);
  assert.throws(() => parseHushArgs(['-p']), /option requires an argument -- p/);
  assert.throws(() => parseHushArgs(['-Z', 'h']), /unknown option -- Z/);
  assert.throws(() => parseHushArgs(['-L', '1:h:2', 'h']), /local port forwarding \(-L\) is not supported yet/);
  assert.throws(() => parseHushArgs(['@h']), UsageError);
});

test('host and user names from the command line cannot carry shell syntax into a ProxyCommand (CVE-2023-51385, as ssh 9.6)', async (t) => {
  const problem = (...argv: string[]) => commandLineNameProblem(parseHushArgs(argv));
  for (const host of ['$(id)', 'a;b', 'a`b`', 'a b', 'a|b', "a'b", 'a\tb']) assert.equal(problem(host), 'hostname contains invalid characters', host);
  for (const host of ['host.example.com', '192.0.2.1', '[::1]', 'h%1', 'user@host', 'ssh://u@h:2222']) assert.equal(problem(host), undefined, host);
  assert.equal(problem('-l', 'x`id`', 'host'), 'remote username contains invalid characters');
  assert.equal(problem('-o', 'User=a;b', 'host'), 'remote username contains invalid characters');
  assert.equal(problem('-l', 'a -oProxyCommand=x', 'host'), 'remote username contains invalid characters');
  assert.equal(problem('-l', 'John Smith', 'host'), undefined, 'blanks in a user name are fine (Windows accounts)');
  // End to end: the command the name would have smuggled in never runs.
  const tmp = await makeTempDir(t);
  const marker = join(tmp.path, 'ran');
  const r = spawnSync(process.execPath, ['dist/src/cli/hush.js', '-o', 'ProxyCommand=sh -c "exit 1" %h', `$(touch ${marker})`, 'true'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 255);
  assert.match(r.stderr, /^hostname contains invalid characters$/m);
  assert.equal(existsSync(marker), false, 'the shell ran what the host name carried');
});

/**
 * hush used by a person at a terminal, driven through tmux: a PTY session whose size follows the
 * window, the escape sequences (~? ~.), the local terminal restored afterwards (also after a
 * signal), the unknown-host question and the key passphrase prompt.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { formatKnownHostsLine } from '../../src/keys/knownhosts/index.js';
import { PrivateKey } from '../../src/keys/private-key.js';
import { createServer } from '../../src/node/server.js';
import { findBinary, requireBinaries } from '../harness/peers.js';
import { sleep } from '../harness/processes.js';
import { HUSH, hushFixture, targetLines, type HushFixture } from './hush-fixture.js';

interface Tmux {
  keys(...keys: string[]): void;
  screen(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  resize(cols: number, rows: number): void;
}

/** A private tmux server (own socket, no config) running `sh script`; killed after the test. */
function startTmux(t: TestContext, f: HushFixture, script: string, cols = 100, rows = 30): Tmux {
  const sock = join(f.dir, 'tmux.sock');
  const env = { ...process.env, HOME: f.home, TERM: 'xterm-256color', SSH_AUTH_SOCK: '' };
  const run = (args: string[]) => {
    const r = spawnSync(findBinary('tmux')!, ['-f', '/dev/null', '-S', sock, ...args], { encoding: 'utf8', env, timeout: 10_000 });
    return r;
  };
  const path = join(f.dir, `run-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(path, script, { mode: 0o700 });
  // tmux's own start up has been seen to fail once in a while ("server exited unexpectedly"):
  // that is not what is tested here, so it gets two more tries.
  let started = run(['new-session', '-d', '-s', 'hush', '-x', String(cols), '-y', String(rows), `sh ${path}`]);
  for (let i = 0; i < 2 && started.status !== 0 && /server exited unexpectedly/.test(started.stderr); i++) {
    run(['kill-server']);
    started = run(['new-session', '-d', '-s', 'hush', '-x', String(cols), '-y', String(rows), `sh ${path}`]);
  }
  assert.equal(started.status, 0, started.stderr);
  // The server daemonizes (the harness does not track it): kill it by pid, since the temp dir
  // holding its socket may already be gone when this runs.
  const pid = Number(run(['display-message', '-p', '-t', 'hush', '#{pid}']).stdout.trim());
  t.after(() => {
    run(['kill-server']);
    try {
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  const screen = () => run(['capture-pane', '-p', '-J', '-S', '-200', '-t', 'hush']).stdout;
  return {
    keys: (...keys) => {
      const r = run(['send-keys', '-t', 'hush', ...keys]);
      assert.equal(r.status, 0, r.stderr);
    },
    screen,
    waitFor: async (re, timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const s = screen();
        if (re.test(s)) return s;
        if (Date.now() > until) assert.fail(`screen never matched ${re}:\n${s}`);
        await sleep(100);
      }
    },
    resize: (c, r) => {
      const res = run(['resize-window', '-t', 'hush', '-x', String(c), '-y', String(r)]);
      assert.equal(res.status, 0, res.stderr);
    },
  };
}

function requireTmux(t: TestContext): boolean {
  return requireBinaries('tmux', [{ binary: 'tmux', debPackage: 'tmux' }], t);
}

/** stty -a's flags as a set of words ("icanon", "-echo", ...). */
function sttyFlags(path: string): Set<string> {
  return new Set(readFileSync(path, 'utf8').split(/[\s;]+/));
}

/** The shell script tmux runs: hush (pid recorded), then its exit status and the terminal's state. */
function script(f: HushFixture, hushArgs: string): string {
  return [
    '#!/bin/sh',
    `sh -c 'echo $$ > ${f.dir}/hush.pid; exec "$@"' hush ${process.execPath} ${HUSH} ${hushArgs}`,
    'echo "hush-exit=$?"',
    `stty -a > ${f.dir}/stty-after`,
    'sleep 120',
    '',
  ].join('\n');
}

test('interactive PTY session in tmux: stty size follows the window, ~? and ~. work, the terminal is restored', async (t) => {
  if (!requireTmux(t)) return;
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const tm = startTmux(t, f, script(f, `-F ${f.config} -t target`), 100, 30);
  // The remote shell evaluates this, so the answer proves it is running (not just our echo).
  tm.keys('echo READY-$((6*7))', 'Enter');
  await tm.waitFor(/^READY-42\s*$/m);
  tm.keys('stty size', 'Enter');
  await tm.waitFor(/^30 100\s*$/m);
  tm.resize(120, 40);
  await sleep(300);
  tm.keys('stty size', 'Enter');
  await tm.waitFor(/^40 120\s*$/m);
  // In raw mode ^C goes to the remote side (and does not kill hush).
  tm.keys('sleep 30', 'Enter');
  await sleep(300);
  tm.keys('C-c');
  tm.keys('echo STILL-$((40+2))', 'Enter');
  await tm.waitFor(/^STILL-42\s*$/m);
  // ~ only counts at the start of a line; ~? lists the escapes.
  tm.keys('Enter', '~?');
  await tm.waitFor(/Supported escape sequences:[\s\S]*~\.\s+- terminate connection[\s\S]*escapes are only recognized immediately after newline/);
  // ~~ sends one ~.
  // ~~ sends one ~: the shell gets "~; echo ...", runs ~ (an error) and then the echo; without
  // the ~ the line would be a syntax error and print nothing.
  tm.keys('Enter', '~~', '; echo TILDE-$((1+1))', 'Enter');
  await tm.waitFor(/^TILDE-2\s*$/m);
  tm.keys('Enter', '~.');
  const s = await tm.waitFor(/hush-exit=\d+/);
  assert.match(s, /Connection to 127\.0\.0\.1 closed\./);
  assert.match(s, /hush-exit=255/);
  // The shell creates the file before stty has written into it: wait for the contents.
  for (let i = 0; i < 50 && !(existsSync(join(f.dir, 'stty-after')) && /speed/.test(readFileSync(join(f.dir, 'stty-after'), 'utf8'))); i++) await sleep(100);
  const flags = sttyFlags(join(f.dir, 'stty-after'));
  for (const flag of ['icanon', 'echo', 'isig', 'opost', 'icrnl']) assert.ok(flags.has(flag), `${flag} restored: ${[...flags].join(' ')}`);
});

test('a PTY command: its exit status comes back; a signal to hush restores the terminal (exit 255)', async (t) => {
  if (!requireTmux(t)) return;
  const f = await hushFixture(t);
  if (!f) return;
  writeFileSync(f.knownHosts, f.knownHostsLines());
  const one = startTmux(t, f, script(f, `-F ${f.config} -t target 'stty size; exit 7'`), 90, 25);
  const s1 = await one.waitFor(/hush-exit=\d+/);
  assert.match(s1, /^25 90\s*$/m);
  assert.match(s1, /hush-exit=7/);

  one.keys('C-c'); // ends the first script's sleep; the next session reuses the socket name
  spawnSync(findBinary('tmux')!, ['-f', '/dev/null', '-S', join(f.dir, 'tmux.sock'), 'kill-server']);
  const two = startTmux(t, f, script(f, `-F ${f.config} -t target`), 100, 30);
  two.keys('echo READY-$((6*7))', 'Enter');
  await two.waitFor(/^READY-42\s*$/m);
  const pid = Number(readFileSync(join(f.dir, 'hush.pid'), 'utf8'));
  process.kill(pid, 'SIGTERM');
  await two.waitFor(/hush-exit=255/);
  // The shell creates the file before stty has written into it: wait for the contents.
  for (let i = 0; i < 50 && !(existsSync(join(f.dir, 'stty-after')) && /speed/.test(readFileSync(join(f.dir, 'stty-after'), 'utf8'))); i++) await sleep(100);
  const flags = sttyFlags(join(f.dir, 'stty-after'));
  for (const flag of ['icanon', 'echo', 'isig', 'opost']) assert.ok(flags.has(flag), `${flag} restored after SIGTERM: ${[...flags].join(' ')}`);
});

test('a person answers the unknown-host question (no, then the fingerprint) and a key passphrase', async (t) => {
  if (!requireTmux(t)) return;
  const f = await hushFixture(t);
  if (!f) return;
  const p = f.sshd.port;
  const question = new RegExp(
    `The authenticity of host '\\[127\\.0\\.0\\.1\\]:${p} \\(\\[127\\.0\\.0\\.1\\]:${p}\\)' can't be established\\.\\s+` +
      `ED25519 key fingerprint is ${f.sshd.hostKeys[0]!.fingerprint.replace(/[+/]/g, '\\$&')}\\.\\s+` +
      `This key is not known by any other names\\.\\s+` +
      `Are you sure you want to continue connecting \\(yes/no/\\[fingerprint\\]\\)\\? `,
  );
  const no = startTmux(t, f, script(f, `-F ${f.config} -o BatchMode=no target echo accepted`));
  await no.waitFor(question);
  no.keys('maybe', 'Enter');
  await no.waitFor(/Please type 'yes', 'no' or the fingerprint: /);
  no.keys('no', 'Enter');
  const s1 = await no.waitFor(/hush-exit=\d+/);
  assert.match(s1, /Host key verification failed\.\s+hush-exit=255/);
  assert.equal(existsSync(f.knownHosts) ? readFileSync(f.knownHosts, 'utf8') : '', '');
  spawnSync(findBinary('tmux')!, ['-f', '/dev/null', '-S', join(f.dir, 'tmux.sock'), 'kill-server']);

  // An encrypted key: offered by its public half, the passphrase asked once the server accepts it.
  const enc = join(f.dir, 'id_enc');
  const kg = spawnSync(findBinary('ssh-keygen')!, ['-q', '-t', 'ed25519', '-N', 'open sesame', '-C', 'enc', '-f', enc]);
  assert.equal(kg.status, 0, String(kg.stderr));
  writeFileSync(f.sshd.authorizedKeysPath, readFileSync(`${enc}.pub`, 'utf8'));
  const cfg = f.writeConfig('enc', targetLines({ port: p, keyPath: enc, knownHosts: f.knownHosts }, ['BatchMode no']));
  const yes = startTmux(t, f, script(f, `-F ${cfg} target echo accepted-$((40+2))`));
  await yes.waitFor(question);
  yes.keys(f.sshd.hostKeys[0]!.fingerprint, 'Enter');
  await yes.waitFor(new RegExp(`Warning: Permanently added '\\[127\\.0\\.0\\.1\\]:${p}' \\(ED25519\\) to the list of known hosts\\.`));
  await yes.waitFor(new RegExp(`Enter passphrase for key '${enc}': `));
  yes.keys('wrong', 'Enter');
  await yes.waitFor(new RegExp(`Enter passphrase for key '${enc}': \\s+Enter passphrase for key '${enc}': `));
  yes.keys('open sesame', 'Enter');
  const s2 = await yes.waitFor(/hush-exit=\d+/);
  assert.match(s2, /^accepted-42\s*$/m);
  assert.match(s2, /hush-exit=0/);
  assert.doesNotMatch(s2, /open sesame|wrong/, 'the passphrase is not echoed');
  assert.match(readFileSync(f.knownHosts, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${p} ssh-ed25519 `));
});

test('password and keyboard-interactive prompts on the terminal (against a hush server)', async (t) => {
  if (!requireTmux(t)) return;
  const f = await hushFixture(t);
  if (!f) return;
  const hostKey = PrivateKey.generate('ed25519');
  const server = createServer({
    hostKeys: [hostKey],
    auth: { methods: ['password', 'keyboard-interactive'] },
    authPolicy: (req) => {
      if (req.user !== 'alice') return 'reject';
      if (req.method === 'password') return req.password === 'right horse' ? 'accept' : 'reject';
      if (req.method === 'keyboard-interactive') {
        if (req.responses === undefined) return { instruction: 'Two questions.', prompts: [{ prompt: 'Code: ', echo: true }, { prompt: 'PIN: ', echo: false }] };
        return req.responses[0] === '42' && req.responses[1] === '1234' ? 'accept' : 'reject';
      }
      return 'reject';
    },
    sessions: (s) => {
      s.on('request', (r) => {
        if (r.request?.type !== 'exec') return r.reject();
        r.accept();
        s.stdout.write(`ran:${Buffer.from(r.request.command).toString()}\n`);
        s.exit(0);
      });
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  writeFileSync(f.knownHosts, formatKnownHostsLine('127.0.0.1', port, hostKey.publicKey));
  const base = ['Host srv', '  HostName 127.0.0.1', `  Port ${port}`, '  User alice', '  PubkeyAuthentication no', `  UserKnownHostsFile ${f.knownHosts}`, '  IdentityAgent none'];

  const pw = f.writeConfig('pw', [...base, '  PreferredAuthentications password']);
  const one = startTmux(t, f, script(f, `-F ${pw} srv echo hi`));
  await one.waitFor(/alice@127\.0\.0\.1's password: $/m);
  one.keys('wrong horse', 'Enter');
  await one.waitFor(/Permission denied, please try again\.\s+alice@127\.0\.0\.1's password: $/m);
  one.keys('right horse', 'Enter');
  const s1 = await one.waitFor(/hush-exit=\d+/);
  assert.match(s1, /^ran:echo hi\s*$/m);
  assert.match(s1, /hush-exit=0/);
  assert.doesNotMatch(s1, /horse/, 'passwords are not echoed');
  spawnSync(findBinary('tmux')!, ['-f', '/dev/null', '-S', join(f.dir, 'tmux.sock'), 'kill-server']);

  const kbd = f.writeConfig('kbd', [...base, '  PreferredAuthentications keyboard-interactive']);
  const two = startTmux(t, f, script(f, `-F ${kbd} srv echo there`));
  await two.waitFor(/Two questions\.\s+\(alice@127\.0\.0\.1\) Code: $/m);
  two.keys('42', 'Enter');
  await two.waitFor(/\(alice@127\.0\.0\.1\) Code: 42\s+\(alice@127\.0\.0\.1\) PIN: $/m);
  two.keys('1234', 'Enter');
  const s2 = await two.waitFor(/hush-exit=\d+/);
  assert.match(s2, /^ran:echo there\s*$/m);
  assert.match(s2, /hush-exit=0/);
  assert.doesNotMatch(s2, /1234/, 'a prompt without echo is not echoed');
  spawnSync(findBinary('tmux')!, ['-f', '/dev/null', '-S', join(f.dir, 'tmux.sock'), 'kill-server']);

  // BatchMode: no prompt at all, the server's refusal in one line.
  const batch = await f.hush(['-F', pw, '-o', 'BatchMode=yes', 'srv', 'true']);
  assert.equal(batch.code, 255);
  assert.equal(batch.stderr.trim(), 'alice@127.0.0.1: Permission denied (password,keyboard-interactive).');
});

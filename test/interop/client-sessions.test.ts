/**
 * The hush client running commands and shells on a real OpenSSH sshd (RFC 4254 sessions).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { PrivateKey } from '../../src/keys/private-key.js';
import { connect, type Client } from '../../src/node/client.js';
import { createSystemUser } from '../auth/system-user.js';
import { requirePeer, startSshd } from '../harness/peers.js';

const key = PrivateKey.generate('ed25519');
const line = `ssh-ed25519 ${Buffer.from(key.publicKey).toString('base64')} hush-test`;

async function withSshd(t: import('node:test').TestContext, fn: (c: () => Promise<Client>) => Promise<void>, config: string[] = []) {
  const sshd = await startSshd({ t, authorizedKeys: [line], config: ['AcceptEnv HUSH_*', 'MaxSessions 20', ...config] });
  const clients: Client[] = [];
  try {
    await fn(async () => {
      const c = await connect({ host: sshd.host, port: sshd.port, username: 'root', privateKey: key, hostKey: () => true });
      clients.push(c);
      return c;
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await sshd.stop();
  }
}

/** Reads a stream until `re` matches what arrived so far. */
function readUntil(stream: NodeJS.ReadableStream, re: RegExp, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; got ${JSON.stringify(got)}`)), ms);
    const onData = (b: Buffer) => {
      got += b.toString();
      const m = re.exec(got);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
  });
}

test('exec against OpenSSH sshd: exit codes 0..255, signals, stdout/stderr, stdin with EOF, env, 10 parallel sessions', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  await withSshd(t, async (open) => {
    const c = await open();
    await t.test('exit codes 0..255', async () => {
      const codes: number[] = [];
      for (let i = 0; i < 256; i += 4) {
        const batch = await Promise.all([i, i + 1, i + 2, i + 3].map((n) => c.exec(`exit ${n}`)));
        codes.push(...batch.map((r) => r.code!));
      }
      assert.deepEqual(codes, Array.from({ length: 256 }, (_, i) => i));
    });
    await t.test('deaths by signal are reported by name', async () => {
      for (const sig of ['TERM', 'KILL', 'INT', 'HUP', 'USR1']) {
        const r = await c.exec(`kill -${sig} $$`);
        assert.equal(r.signal, sig);
        assert.equal(r.code, null);
      }
    });
    await t.test('stdout and stderr stay apart', async () => {
      const r = await c.exec("echo out; echo err >&2; printf 'more out'");
      assert.equal(r.stdout.toString(), 'out\nmore out');
      assert.equal(r.stderr.toString().replace(/^debug.*\r?\n/gm, ''), 'err\n');
    });
    await t.test('stdin is delivered and EOF reaches cat', async () => {
      const data = Buffer.alloc(5 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
      const r = await c.exec('sha256sum', { stdin: data });
      assert.equal(r.stdout.toString().split(' ')[0], createHash('sha256').update(data).digest('hex'));
      assert.equal(r.code, 0);
    });
    await t.test('a writer that reuses one buffer after each callback sends exactly what it wrote', async () => {
      const proc = await c.spawn('sha256sum');
      const out: Buffer[] = [];
      proc.stdout.on('data', (b: Buffer) => out.push(b));
      const buf = Buffer.alloc(64 * 1024);
      const expected = createHash('sha256');
      for (let i = 0; i < 160; i++) {
        buf.fill(i & 0xff); // overwritten as soon as write() calls back, as an fs.read loop does
        expected.update(buf);
        await new Promise<void>((resolve, reject) => proc.stdin.write(buf, (e) => (e ? reject(e) : resolve())));
      }
      proc.stdin.end();
      await proc.wait();
      assert.equal(Buffer.concat(out).toString().split(' ')[0], expected.digest('hex'));
    });
    await t.test('env is passed where sshd accepts it (AcceptEnv HUSH_*)', async () => {
      const r = await c.exec('echo "[$HUSH_ONE][$OTHER_VAR]"', { env: { HUSH_ONE: 'yes', OTHER_VAR: 'no' } });
      assert.equal(r.stdout.toString(), '[yes][]\n');
    });
    await t.test('large output arrives intact', async () => {
      const r = await c.exec('head -c 33554432 /dev/urandom | tee /tmp/hush-big-$$ | sha256sum; sha256sum < /tmp/hush-big-$$; rm /tmp/hush-big-$$');
      const [a, b] = r.stdout.toString().trim().split('\n');
      assert.equal(a!.split(' ')[0], b!.split(' ')[0]);
      const big = await c.exec('head -c 33554432 /dev/zero');
      assert.equal(big.stdout.length, 33554432);
      assert.ok(big.stdout.every((x) => x === 0));
    });
  });
});

test('10 sessions in parallel on one connection', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  await withSshd(t, async (open) => {
    const c = await open();
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => c.exec(`sleep 0.2; echo session-${i}`)));
    assert.deepEqual(
      rs.map((r) => r.stdout.toString()),
      Array.from({ length: 10 }, (_, i) => `session-${i}\n`),
    );
  });
});

test('a PTY shell: tty is a device, stty size matches the request and follows a window change', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  await withSshd(t, async (open) => {
    const c = await open();
    const sh = await c.shell({ pty: { term: 'xterm', cols: 101, rows: 37 } });
    sh.stdin.write('PS1="$ "; tty; stty size\n');
    const first = await readUntil(sh.stdout, /37 101/);
    assert.match(first, /\/dev\/pts\/\d+/);
    sh.resize(132, 43);
    await new Promise((r) => setTimeout(r, 200));
    sh.stdin.write('stty size\n');
    await readUntil(sh.stdout, /43 132/);
    sh.stdin.write('exit 7\n');
    const { code } = await sh.wait();
    assert.equal(code, 7);
  });
});

test('a reader that stops reading holds the server at the window: memory stays bounded', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  await withSshd(t, async (open) => {
    const c = await open();
    const proc = await c.spawn('head -c 268435456 /dev/zero'); // 256 MiB
    const before = process.memoryUsage().rss;
    await new Promise((r) => setTimeout(r, 1500)); // not reading
    const held = process.memoryUsage().rss - before;
    assert.ok(held < 48 * 1024 * 1024, `rss grew by ${held} bytes while not reading`);
    let n = 0;
    proc.stdout.on('data', (b: Buffer) => (n += b.length));
    const { code } = await proc.wait();
    assert.equal(code, 0);
    assert.equal(n, 268435456);
  });
});

test('AbortSignal cancels a running command (signal KILL) and a connect', async (t) => {
  if (!requirePeer('openssh-server', t)) return;
  // sshd 9.2 refuses signal requests for root sessions ("session signalling requires privilege
  // separation"), so this runs as a throwaway account.
  const user = await createSystemUser(t);
  if (!user) return;
  try {
    const sshd = await startSshd({ t, authorizedKeys: [line] });
    // sshd reads authorized_keys with the user's own rights.
    chmodSync(dirname(sshd.authorizedKeysPath), 0o755);
    chmodSync(sshd.authorizedKeysPath, 0o644);
    try {
      const c = await connect({ host: sshd.host, port: sshd.port, username: user.name, privateKey: key, hostKey: () => true });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const r = await c.exec('sleep 30', { signal: ac.signal });
      assert.equal(r.signal, 'KILL');
      await c.close();
    } finally {
      await sshd.stop();
    }
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(connect({ host: '127.0.0.1', port: 1, username: 'x', signal: pre.signal, hostKey: () => true }), /aborted/);
  } finally {
    await user.remove();
  }
});

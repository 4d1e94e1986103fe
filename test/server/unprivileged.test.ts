/**
 * A server that does not run as root (started here as "nobody" through setpriv): sessions run
 * as the server's own user without setpriv, with and without a pty, and the default policy lets
 * in no account with another uid, whatever its authorized_keys says.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PrivateKey } from '../../src/keys/private-key.js';
import { writeOpenSshPrivateKey } from '../../src/keys/formats/index.js';
import { spawnTracked } from '../harness/processes.js';
import { makeTempDir, opensshClientArgs, requireBinaries, requirePeer, runClient, sshKeygen } from '../harness/peers.js';

const NOBODY = 65534;
const serverModule = fileURLToPath(new URL('../../src/node/server.js', import.meta.url));

test('not root: sessions run as the server\'s user; other uids are refused', async (t) => {
  if (!requirePeer('openssh-client', t)) return;
  if (process.getuid?.() !== 0) {
    t.skip('starting a server as another user needs root');
    return;
  }
  if (!requireBinaries('setpriv', [{ binary: 'setpriv', debPackage: 'util-linux' }], t)) return;
  const tmp = await makeTempDir(t, 'hush-unpriv-');
  chmodSync(tmp.path, 0o755);
  const home = join(tmp.path, 'home');
  const otherHome = join(tmp.path, 'other');
  for (const h of [home, otherHome]) {
    mkdirSync(join(h, '.ssh'), { recursive: true });
    chownSync(h, NOBODY, NOBODY);
  }
  const key = await sshKeygen(tmp.path, 'ed25519');
  writeFileSync(join(home, '.ssh', 'authorized_keys'), `${key.publicLine}\n`);
  writeFileSync(join(otherHome, '.ssh', 'authorized_keys'), `${key.publicLine}\n`);
  const hostKey = PrivateKey.generate('ed25519');
  const hostKeyPath = join(tmp.path, 'host_key');
  writeFileSync(hostKeyPath, writeOpenSshPrivateKey(hostKey), { mode: 0o644 });
  const script = join(tmp.path, 'server.mjs');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
import { createServer } from ${JSON.stringify(serverModule)};
import { parsePrivateKey } from ${JSON.stringify(fileURLToPath(new URL('../../src/keys/formats/index.js', import.meta.url)))};
const accounts = new Map([
  ['tester', { name: 'tester', uid: ${NOBODY}, gid: ${NOBODY}, home: ${JSON.stringify(home)}, shell: '/bin/sh' }],
  ['other', { name: 'other', uid: 4242, gid: 4242, home: ${JSON.stringify(otherHome)}, shell: '/bin/sh' }],
]);
const server = createServer({ hostKeys: [parsePrivateKey(readFileSync(${JSON.stringify(hostKeyPath)}))], users: (n) => accounts.get(n) });
const { port } = await server.listen(0, '127.0.0.1');
process.stdout.write(port + '\\n');
`,
  );
  const child = spawnTracked('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', process.execPath, script]);
  t.after(() => child.kill('SIGKILL'));
  let errors = '';
  child.stderr!.on('data', (b: Buffer) => (errors += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    child.once('exit', () => reject(new Error(`server exited: ${errors}`)));
  });
  const ssh = (user: string, command: string[], extra: string[] = []) =>
    runClient(
      opensshClientArgs({
        dir: tmp.path,
        port,
        user,
        identityFiles: [key.privatePath],
        knownHostKeys: [`${hostKey.keyType} ${Buffer.from(hostKey.publicKey).toString('base64')}`],
        configLines: ['LogLevel ERROR'],
        extra,
        command,
      }),
      { timeoutMs: 20_000 },
    );
  const r = await ssh('tester', ['id -u; pwd; echo "$LANG"'], ['-o', 'SetEnv=LANG=C.UTF-8']);
  assert.equal(r.code, 0, r.stderr + errors);
  assert.equal(r.stdout, `${NOBODY}\n${home}\nC.UTF-8\n`);
  const p = await ssh('tester', ['id -u; tty; echo "$SSH_TTY"; exit 4'], ['-tt']);
  assert.equal(p.code, 4, p.stderr + errors);
  const lines = p.stdout.replace(/\r/g, '').trim().split('\n');
  assert.equal(lines[0], String(NOBODY));
  assert.match(lines[1]!, /^\/dev\/pts\/\d+$/);
  assert.equal(lines[2], lines[1]);
  const o = await ssh('other', ['true']);
  assert.equal(o.code, 255);
  assert.match(o.stderr, /Permission denied/);
});

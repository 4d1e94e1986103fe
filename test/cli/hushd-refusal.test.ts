// Who hushd lets try at all, before any method is checked (sshd's allowed_user() and do_nologin()).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { refusal } from '../../src/cli/hushd-config.js';
import { parseSshdConfig } from '../../src/config/index.js';
import { makeTempDir } from '../harness/peers.js';

const conn = { id: 1, remoteAddress: '192.0.2.1', remotePort: 5555, localAddress: '127.0.0.1', localPort: 22 };
const req = (user: string) => ({ id: 1, method: 'none' as const, user, service: 'ssh-connection' });

test("a missing or non-executable login shell, and /etc/nologin for everyone but root, refuse as sshd does", async (t) => {
  const dir = await makeTempDir(t);
  const e = parseSshdConfig({ path: '/etc/ssh/sshd_config', text: '' }).global;
  const nologin = join(dir.path, 'nologin');
  const paths = { nologin };
  const alice = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/sh' };
  assert.equal(refusal(e, req('alice'), conn, alice, paths), undefined);
  assert.equal(refusal(e, req('alice'), conn, { ...alice, shell: '' }, paths), undefined, 'an empty shell means /bin/sh');
  assert.equal(
    refusal(e, req('alice'), conn, { ...alice, shell: '/nonexistent/hush-shell' }, paths),
    'User alice not allowed because shell /nonexistent/hush-shell does not exist',
  );
  const plain = join(dir.path, 'not-a-program');
  writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
  assert.equal(refusal(e, req('alice'), conn, { ...alice, shell: plain }, paths), `User alice not allowed because shell ${plain} is not executable`);
  assert.equal(refusal(e, req('alice'), conn, { ...alice, shell: dir.path }, paths), `User alice not allowed because shell ${dir.path} is not executable`);

  writeFileSync(nologin, 'Down for maintenance\n');
  assert.equal(refusal(e, req('alice'), conn, alice, paths), `User alice not allowed because ${nologin} exists`);
  const root = { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' };
  assert.equal(refusal(e, req('root'), conn, root, paths), undefined, 'root may still log in');
});

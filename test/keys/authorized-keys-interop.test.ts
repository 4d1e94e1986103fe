// authorized_keys against the real OpenSSH sshd: for the same file, sshd lets ssh in exactly
// when findAuthorizedKey() finds a line for the key from 127.0.0.1, and a forced command with
// escaped quotes runs as hush reads it. sshd re-reads the file on every login, so one server
// serves every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { makeTempDir, opensshClientArgs, requirePeer, runClient, sshKeygen, startSshd } from '../harness/peers.js';
import { parsePublicKeyFile } from '../../src/keys/formats/index.js';
import { findAuthorizedKey, parseAuthorizedKeys } from '../../src/keys/authorized-keys/index.js';

test('sshd and findAuthorizedKey agree on from=, expiry-time= and bad lines for a login from 127.0.0.1', async (t) => {
  if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
  const tmp = await makeTempDir(t);
  const id = await sshKeygen(tmp.path, 'ed25519');
  const blob = parsePublicKeyFile(id.publicLine).blob;
  const sshd = await startSshd({ t, hostKeyTypes: ['ed25519'], config: ['LogLevel DEBUG'] });
  const K = id.publicLine;

  const cases: { label: string; text: string; line: number | undefined; command?: string; stdout?: string }[] = [
    { label: 'no options', text: `${K}\n`, line: 1 },
    { label: 'from the address', text: `from="127.0.0.1" ${K}\n`, line: 1 },
    { label: 'from 10.*', text: `from="10.*" ${K}\n`, line: undefined },
    { label: 'from a CIDR network', text: `from="127.0.0.0/8" ${K}\n`, line: 1 },
    { label: 'from another network', text: `from="10.0.0.0/8,192.168.0.0/16" ${K}\n`, line: undefined },
    { label: 'negated', text: `from="!127.0.0.1,*" ${K}\n`, line: undefined },
    { label: 'wildcard', text: `from="127.0.0.*" ${K}\n`, line: 1 },
    { label: 'host bits past the mask (invalid list)', text: `from="127.0.0.1/8" ${K}\n`, line: undefined },
    { label: 'expired', text: `expiry-time="20200101" ${K}\n`, line: undefined },
    { label: 'not yet expired', text: `expiry-time="20990101Z" ${K}\n`, line: 1 },
    { label: 'unknown option', text: `no-such-option ${K}\n`, line: undefined },
    { label: 'principals without cert-authority', text: `principals="root" ${K}\n`, line: undefined },
    { label: 'cert-authority only', text: `cert-authority ${K}\n`, line: undefined },
    {
      label: 'first lines refuse, third allows with a forced command',
      text: `from="10.*" ${K}\nbogus-option ${K}\ncommand="echo \\"third line\\" 'quoted'",no-pty ${K}\n`,
      line: 3,
      command: `echo "third line" 'quoted'`,
      stdout: 'third line quoted\n', // the shell sshd runs the command with removes the quotes
    },
  ];
  for (const c of cases) {
    await writeFile(sshd.authorizedKeysPath, c.text, { mode: 0o600 });
    const { entries } = parseAuthorizedKeys(c.text);
    const found = findAuthorizedKey(entries, blob, { address: '127.0.0.1' });
    assert.equal(found?.line, c.line, `hush: ${c.label}`);
    assert.equal(found?.options.command, c.command, `hush: ${c.label}`);

    const r = await runClient(
      opensshClientArgs({
        dir: tmp.path,
        port: sshd.port,
        identityFiles: [id.privatePath],
        knownHostKeys: sshd.hostKeys.map((k) => k.publicLine),
        command: ['true'],
      }),
      { timeoutMs: 20_000 },
    );
    if (c.line === undefined) {
      assert.equal(r.code, 255, `sshd let ${c.label} in:\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /Permission denied \(publickey\)/, c.label);
    } else {
      assert.equal(r.code, 0, `sshd refused ${c.label}:\n${r.stderr}\n${sshd.log().slice(-3000)}`);
      if (c.stdout !== undefined) assert.equal(r.stdout, c.stdout, c.label);
    }
  }
  // sshd logged the from= refusal the way authorizedKeyRefusal() words it.
  assert.match(sshd.log(), /not from a permitted host \(host=127\.0\.0\.1, ip=127\.0\.0\.1, required=10\.\*\)/);
});

// Real SSH peers on loopback for interop tests: OpenSSH sshd/ssh, Dropbear dropbear/dbclient,
// PuTTY plink. Every process spawned here is tracked and killed (with its descendants) by
// stop(), after a test that passed its TestContext, on timeout, and when this process exits.
// Linux only (Debian 12 is the reference): readiness checks and reaping read /proc.
//
//   if (!requirePeer('openssh-server', t) || !requirePeer('openssh-client', t)) return;
//   const tmp = await makeTempDir(t);
//   const key = await sshKeygen(tmp.path, 'ed25519');
//   const sshd = await startSshd({ t, authorizedKeys: [key.publicLine], config: ['LogLevel DEBUG3'] });
//   const r = await runClient(opensshClientArgs({ dir: tmp.path, port: sshd.port,
//     identityFiles: [key.privatePath], knownHostKeys: sshd.hostKeys.map((k) => k.publicLine),
//     command: ['echo', 'hello'] }), { timeoutMs: 15_000 });
//   assert.equal(r.stdout, 'hello\n', r.stderr + sshd.log());

export { PEERS, findBinary, requireBinaries, requirePeer, type BinarySpec, type PeerName } from './availability.js';
export {
  isProcessAlive,
  liveProcessCount,
  makeTempDir,
  runClient,
  type ClientCommand,
  type RunOptions,
  type RunResult,
  type TempDir,
} from './processes.js';
export {
  dropbearKeygen,
  publicKeyBody,
  sha256Fingerprint,
  sshKeygen,
  toDropbearKey,
  toPuttyKey,
  type KeyFiles,
  type KeyType,
} from './keys.js';
export {
  dbclientArgs,
  opensshClientArgs,
  plinkArgs,
  type ClientOptions,
  type DbclientOptions,
  type OpensshClientOptions,
  type PlinkOptions,
} from './clients.js';
export { canIsolateHome } from './home.js';
export {
  freePort,
  isListening,
  readBanner,
  startDropbear,
  startSshd,
  type DropbearOptions,
  type DropbearPeer,
  type Peer,
  type SshdOptions,
  type SshdPeer,
} from './servers.js';

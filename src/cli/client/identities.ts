/**
 * The credentials ssh would try, in ssh's order (sshconnect2.c): PreferredAuthentications picks
 * the order of methods; publickey offers the agent's keys first, then IdentityFile keys (only
 * keys matching an IdentityFile when IdentitiesOnly); password and keyboard-interactive ask on
 * the terminal, NumberOfPasswordPrompts times; BatchMode asks nothing.
 *
 * Encrypted keys are offered by their public half (from the .pub file or the openssh-key-v1
 * envelope) and decrypted only once the server accepts one, so the passphrase is asked for
 * ("Enter passphrase for key '...': ") only when it is needed, as ssh does.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { SshClientConfig } from '../../config/index.js';
import { SshError } from '../../errors.js';
import { fingerprintSha256 } from '../../keys/fingerprint.js';
import { isEncryptedPrivateKey, parsePrivateKeyFile, parsePublicKeyFile, readOpenSshEnvelope } from '../../keys/formats/index.js';
import { keyLabel } from '../../keys/knownhosts/index.js';
import type { PrivateKey } from '../../keys/private-key.js';
import { publicKeyType } from '../../keys/public-key.js';
import { algorithmsForKeyType } from '../../keys/registry.js';
import { AgentClient, type AgentKey } from '../../node/agent-client.js';
import type { AsyncSigningKey, AuthCredential, KeyboardInteractiveQuestions } from '../../node/authenticate.js';
import type { Logger } from './log.js';
import { terminalSafe } from '../safe-text.js';
import { unprotectedKeyWarning } from '../key-permissions.js';

export interface Identity {
  readonly credential: AuthCredential;
  /** "path ED25519 SHA256:... explicit", as ssh's debug lines name a key. */
  readonly label?: string;
}

export interface IdentityOptions {
  readonly config: SshClientConfig;
  /** The name prompts use: HostKeyAlias or HostName. */
  readonly host: string;
  /** Paths given with -i (a missing one is worth a warning). */
  readonly commandLineIdentities: readonly string[];
  readonly log: Logger;
  /** Asks on the terminal; undefined when there is none. */
  readonly prompt: (text: string, echo: boolean) => string | undefined;
  /** false without a terminal: password and keyboard-interactive are not offered (as with BatchMode). */
  readonly canPrompt: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_PREFERRED = ['gssapi-with-mic', 'hostbased', 'publickey', 'keyboard-interactive', 'password'];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describeKey(name: string, blob: Uint8Array, how: string): string {
  return `${name} ${keyLabel(blob)} ${fingerprintSha256(blob)}${how ? ` ${how}` : ''}`;
}

/** sshkey_perm_ok(): a private key others can read is ignored, loudly. */
function permissionsOk(path: string, log: Logger): boolean {
  const warning = unprotectedKeyWarning(path);
  if (warning !== undefined) log.error(warning);
  return warning === undefined;
}

/** The public half of a key file without its passphrase: path.pub, or the openssh-key-v1 envelope. */
function publicHalf(path: string, data: Buffer): Uint8Array | undefined {
  try {
    if (existsSync(`${path}.pub`)) return parsePublicKeyFile(readFileSync(`${path}.pub`), { name: `${path}.pub` }).blob;
  } catch {
    // a broken .pub: try the private file
  }
  try {
    return readOpenSshEnvelope(data, { name: path }).publicKey;
  } catch {
    return undefined;
  }
}

/**
 * Decrypts a key file, asking for the passphrase up to NumberOfPasswordPrompts times (an empty
 * answer gives up this key). undefined when the key cannot be used.
 */
function decrypt(path: string, data: Buffer, o: IdentityOptions): PrivateKey | undefined {
  if (o.config.batchMode) return undefined;
  for (let i = 0; i < Math.max(1, o.config.numberOfPasswordPrompts); i++) {
    const pass = o.prompt(`Enter passphrase for key '${path}': `, false);
    if (pass === undefined || pass === '') return undefined;
    try {
      return parsePrivateKeyFile(data, pass, { name: path }).key;
    } catch (e) {
      o.log.debug2(`bad passphrase given, try again... (${(e as Error).message})`);
    }
  }
  return undefined;
}

/** A key whose private half is read (and decrypted) when the server has accepted the public half. */
class DeferredKey implements AsyncSigningKey {
  readonly keyType: string;
  readonly algorithms: readonly string[];
  private key: PrivateKey | undefined;
  private tried = false;

  constructor(
    readonly publicKey: Uint8Array,
    private readonly path: string,
    private readonly data: Buffer,
    private readonly o: IdentityOptions,
  ) {
    this.keyType = publicKeyType(publicKey);
    this.algorithms = algorithmsForKeyType(this.keyType);
  }

  async signAsync(algorithm: string, data: Uint8Array): Promise<Uint8Array> {
    if (!this.tried) {
      this.tried = true;
      this.key = decrypt(this.path, this.data, this.o);
      if (this.key !== undefined && !sameBytes(this.key.publicKey, this.publicKey)) {
        this.o.log.error(`Load key "${this.path}": the public key in ${this.path}.pub does not match the private key`);
        this.key = undefined;
      }
    }
    if (this.key === undefined) throw new SshError('ERR_KEY', `cannot use ${this.path}`);
    return this.key.sign(algorithm, data);
  }
}

interface FileKey {
  readonly path: string;
  readonly publicKey: Uint8Array;
  readonly key: PrivateKey | AsyncSigningKey;
  readonly how: string;
}

function loadIdentityFiles(o: IdentityOptions): FileKey[] {
  const out: FileKey[] = [];
  for (const f of o.config.identityFiles) {
    let data: Buffer;
    try {
      data = readFileSync(f.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      o.log.debug1(`identity file ${f.path} type -1`);
      if (o.commandLineIdentities.includes(f.configured) || o.commandLineIdentities.includes(f.path)) {
        o.log.info(`Warning: Identity file ${f.path} not accessible: ${code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}.`);
      }
      continue;
    }
    if (!permissionsOk(f.path, o.log)) continue;
    const how = f.userProvided ? 'explicit' : '';
    try {
      if (!isEncryptedPrivateKey(data, { name: f.path })) {
        const key = parsePrivateKeyFile(data, undefined, { name: f.path }).key;
        o.log.debug1(`identity file ${f.path} type ${key.keyType}`);
        out.push({ path: f.path, publicKey: key.publicKey, key, how });
        continue;
      }
      const pub = publicHalf(f.path, data);
      if (pub !== undefined) {
        o.log.debug1(`identity file ${f.path} type ${publicKeyType(pub)} (encrypted)`);
        out.push({ path: f.path, publicKey: pub, key: new DeferredKey(pub, f.path, data, o), how });
        continue;
      }
      // An encrypted PEM key without a .pub: its public half needs the passphrase now.
      const key = decrypt(f.path, data, o);
      if (key !== undefined) out.push({ path: f.path, publicKey: key.publicKey, key, how });
    } catch (e) {
      o.log.error(`Load key "${f.path}": ${(e as Error).message}`);
    }
  }
  return out;
}

function agentSocket(config: SshClientConfig, env: NodeJS.ProcessEnv): string | undefined {
  const a = config.identityAgent;
  if (a === undefined || a === 'SSH_AUTH_SOCK') return env['SSH_AUTH_SOCK'] || undefined;
  if (a.toLowerCase() === 'none') return undefined;
  return a;
}

export interface Identities {
  readonly list: Identity[];
  /** Closes the agent connection (after authentication). */
  close(): void;
}

export async function buildIdentities(o: IdentityOptions): Promise<Identities> {
  const c = o.config;
  const env = o.env ?? process.env;
  const list: Identity[] = [];
  let agent: AgentClient | undefined;
  const who = `${c.user}@${o.host}`;

  const publickey = async (): Promise<void> => {
    if (c.pubkeyAuthentication === 'no') return;
    const files = loadIdentityFiles(o);
    let agentKeys: AgentKey[] = [];
    const sock = agentSocket(c, env);
    if (sock !== undefined) {
      try {
        agent = await AgentClient.connect(sock, { timeoutMs: 30_000 });
        agentKeys = await agent.keys();
        o.log.debug1(`get_agent_identities: agent returned ${agentKeys.length} keys`);
      } catch (e) {
        o.log.debug1(`get_agent_identities: ${(e as Error).message}`);
        agent?.close();
        agent = undefined;
      }
    }
    // ssh: agent keys first (only those matching an IdentityFile with IdentitiesOnly), then the
    // files the agent does not hold.
    for (const k of agentKeys) {
      const file = files.find((f) => sameBytes(f.publicKey, k.publicKey));
      if (c.identitiesOnly && file === undefined) continue;
      list.push({
        credential: { method: 'publickey', key: k },
        label: describeKey(file?.path ?? k.comment, k.publicKey, file ? `${file.how} agent`.trim() : 'agent'),
      });
    }
    for (const f of files) {
      if (agentKeys.some((k) => sameBytes(k.publicKey, f.publicKey))) continue;
      list.push({ credential: { method: 'publickey', key: f.key }, label: describeKey(f.path, f.publicKey, f.how) });
    }
    for (const f of files) o.log.debug1(`Will attempt key: ${describeKey(f.path, f.publicKey, f.how)}`);
  };

  const keyboardInteractive = (): void => {
    if (!c.kbdInteractiveAuthentication || c.batchMode || !o.canPrompt) return;
    const respond = (q: KeyboardInteractiveQuestions): readonly string[] | undefined => {
      if (q.name) o.log.info(q.name);
      if (q.instruction) o.log.info(q.instruction.replace(/\n$/, ''));
      const answers: string[] = [];
      for (const p of q.prompts) {
        const a = o.prompt(`(${who}) ${terminalSafe(p.prompt)}`, p.echo);
        if (a === undefined) return undefined;
        answers.push(a);
      }
      return answers;
    };
    for (let i = 0; i < c.numberOfPasswordPrompts; i++) list.push({ credential: { method: 'keyboard-interactive', respond } });
  };

  const password = (): void => {
    if (!c.passwordAuthentication || c.batchMode || !o.canPrompt) return;
    for (let i = 0; i < c.numberOfPasswordPrompts; i++) {
      // The core reads `password` when it sends the request, which is when ssh asks: so ask then.
      let answer: string | undefined;
      const credential = {
        method: 'password' as const,
        get password(): string {
          if (answer === undefined) {
            if (i > 0) o.log.error('Permission denied, please try again.');
            answer = o.prompt(`${who}'s password: `, false) ?? '';
          }
          return answer;
        },
      };
      list.push({ credential });
    }
  };

  const order = c.preferredAuthentications ?? DEFAULT_PREFERRED;
  const done = new Set<string>();
  for (const m of order) {
    if (done.has(m)) continue;
    done.add(m);
    if (m === 'publickey') await publickey();
    else if (m === 'keyboard-interactive') keyboardInteractive();
    else if (m === 'password') password();
  }
  return {
    list,
    close: () => agent?.close(),
  };
}

/**
 * Host key checking against known_hosts files, with the decisions of OpenSSH's ssh(1)
 * (hostfile.c check_key_in_hostkeys(), sshconnect.c check_host_key()):
 *
 *   revoked   an @revoked line for the host lists the presented key. Always a failure,
 *             whatever else the files say.
 *   known     a plain line for the host lists the presented key.
 *   changed   plain lines for the host exist, none lists this key. OpenSSH counts a recorded
 *             key of another type as a change too (since 5.7): a server that stops offering
 *             the recorded type looks the same as a man in the middle that cannot offer it.
 *             `otherTypesOnly` tells that case apart for the message.
 *   unknown   no plain line applies to the host.
 *
 * For a port other than 22, an unknown "[host]:port" is looked up again as plain "host", and
 * the key counts as known if it is listed there (ssh(1) "found matching key w/out port").
 * Lines apply in file order, user files before global ones: pass the files in that order.
 *
 * @cert-authority lines are not used for plain keys: certAuthorities() returns them for
 * certificate checking. Host names are compared in lower case (ASCII).
 */
import { publicKeyType } from '../public-key.js';
import { preferHostKeyAlgorithms } from './algorithms.js';
import { DEFAULT_SSH_PORT, knownHostsName } from './format.js';
import { sameKey } from './key-text.js';
import { entryMatchesName, parseKnownHosts, type KnownHostsEntry, type KnownHostsError } from './parse.js';
import { asciiLower } from './patterns.js';

/** A known_hosts file's contents and the path that labels its entries. */
export interface KnownHostsFile {
  readonly path: string;
  readonly text: string;
}

export type HostKeyStatus = 'known' | 'unknown' | 'changed' | 'revoked';

interface LookupBase {
  /** The name that was looked up: "host" or "[host]:port", lower case. */
  readonly hostName: string;
}

export type HostKeyLookup =
  | (LookupBase & {
      readonly status: 'known';
      /** The line listing the key (the first one, in file order). */
      readonly matches: readonly [KnownHostsEntry];
      /** Found under plain "host" after "[host]:port" was unknown. */
      readonly withoutPort: boolean;
    })
  | (LookupBase & {
      readonly status: 'changed';
      /** Every plain line for the host, in file order: the recorded keys. */
      readonly matches: readonly KnownHostsEntry[];
      /** The line ssh(1) names in "Offending <type> key in <file>:<line>" (the last of `matches`). */
      readonly offending: KnownHostsEntry;
      /** No recorded key has the presented key's type. */
      readonly otherTypesOnly: boolean;
    })
  | (LookupBase & {
      readonly status: 'revoked';
      /** The @revoked lines for the host that list the key. */
      readonly matches: readonly KnownHostsEntry[];
    })
  | (LookupBase & { readonly status: 'unknown'; readonly matches: readonly [] });

export class KnownHosts {
  /** Every readable line of every file, in order. */
  readonly entries: readonly KnownHostsEntry[];
  /** Lines that could not be read (skipped, as OpenSSH does). */
  readonly errors: readonly KnownHostsError[];

  /** Files in lookup order: the user's (UserKnownHostsFile) first, then global ones. */
  constructor(files: readonly KnownHostsFile[]) {
    const entries: KnownHostsEntry[] = [];
    const errors: KnownHostsError[] = [];
    for (const f of files) {
      const parsed = parseKnownHosts(f.text, f.path);
      entries.push(...parsed.entries);
      errors.push(...parsed.errors);
    }
    this.entries = entries;
    this.errors = errors;
  }

  /** One file's worth. */
  static parse(text: string, path = 'known_hosts'): KnownHosts {
    return new KnownHosts([{ path, text }]);
  }

  /** All lines (plain, @revoked and @cert-authority) that apply to host:port. */
  entriesFor(host: string, port: number = DEFAULT_SSH_PORT): KnownHostsEntry[] {
    return this.entriesForName(knownHostsName(host, port));
  }

  private entriesForName(name: string): KnownHostsEntry[] {
    return this.entries.filter((e) => entryMatchesName(e, name));
  }

  /** Checks a plain host key (not a certificate) presented by host:port. */
  lookup(host: string, port: number, keyBlob: Uint8Array): HostKeyLookup {
    const hostName = knownHostsName(host, port);
    const result = this.check(hostName, keyBlob);
    if (result.status === 'unknown' && port !== 0 && port !== DEFAULT_SSH_PORT) {
      const bare = this.check(asciiLower(host), keyBlob);
      if (bare.status === 'known') return { ...bare, hostName, withoutPort: true };
    }
    return result;
  }

  private check(hostName: string, keyBlob: Uint8Array): HostKeyLookup {
    const applicable = this.entriesForName(hostName);
    const revoked = applicable.filter((e) => e.marker === 'revoked' && sameKey(e.blob, keyBlob));
    if (revoked.length > 0) return { status: 'revoked', hostName, matches: revoked };
    const recorded = applicable.filter((e) => e.marker === 'none');
    const found = recorded.find((e) => sameKey(e.blob, keyBlob));
    if (found !== undefined) return { status: 'known', hostName, matches: [found], withoutPort: false };
    const offending = recorded[recorded.length - 1];
    if (offending === undefined) return { status: 'unknown', hostName, matches: [] };
    let type: string | undefined;
    try {
      type = publicKeyType(keyBlob);
    } catch {
      type = undefined;
    }
    return {
      status: 'changed',
      hostName,
      matches: recorded,
      offending,
      otherTypesOnly: !recorded.some((e) => e.keyType === type),
    };
  }

  /**
   * Key types known for host:port, in file order without repeats: those of plain lines, except
   * a type whose first line is revoked (as OpenSSH's lookup by type does).
   */
  knownHostKeyTypes(host: string, port: number = DEFAULT_SSH_PORT): string[] {
    const applicable = this.entriesFor(host, port);
    const revoked = applicable.filter((e) => e.marker === 'revoked');
    const types: string[] = [];
    const seen = new Set<string>();
    for (const e of applicable) {
      if (e.marker !== 'none' || seen.has(e.keyType)) continue;
      seen.add(e.keyType);
      if (!revoked.some((r) => sameKey(r.blob, e.blob))) types.push(e.keyType);
    }
    return types;
  }

  /** The @cert-authority lines that apply to host:port (for host certificates). */
  certAuthorities(host: string, port: number = DEFAULT_SSH_PORT): KnownHostsEntry[] {
    return this.entriesFor(host, port).filter((e) => e.marker === 'cert-authority');
  }

  /** The @revoked lines that apply to host:port. */
  revokedKeys(host: string, port: number = DEFAULT_SSH_PORT): KnownHostsEntry[] {
    return this.entriesFor(host, port).filter((e) => e.marker === 'revoked');
  }

  /** `defaultList` reordered for host:port (see preferHostKeyAlgorithms). */
  hostKeyAlgorithms(host: string, port: number, defaultList: readonly string[]): string[] {
    return preferHostKeyAlgorithms(defaultList, this.knownHostKeyTypes(host, port), {
      certAuthority: this.certAuthorities(host, port).length > 0,
    });
  }
}

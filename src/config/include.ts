/**
 * The file access a configuration needs for `Include`, as callbacks so that parsing stays
 * pure: tests pass an in-memory tree, src/node/config-loader.ts passes node:fs.
 *
 * globPaths() follows glob(3) as OpenSSH calls it: `*`, `?` and `[...]` in any path component;
 * a wildcard never matches a leading `.`; the matches are sorted; a pattern that matches
 * nothing gives no files (Include then silently includes nothing).
 */

export interface ConfigFileSystem {
  /** The text of a file, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
  /** The entry names of a directory (not `.`/`..`), or undefined when it is not one. */
  readDir?(path: string): readonly string[] | undefined;
}

/** An in-memory ConfigFileSystem over `{ '/abs/path': 'text' }` (directories are implied). */
export function memoryFileSystem(files: Readonly<Record<string, string>>): ConfigFileSystem {
  return {
    readFile: (p) => (Object.prototype.hasOwnProperty.call(files, p) ? files[p] : undefined),
    readDir: (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of Object.keys(files)) {
        if (!p.startsWith(prefix)) continue;
        const name = p.slice(prefix.length).split('/')[0];
        if (name !== undefined && name !== '') names.add(name);
      }
      return names.size === 0 ? undefined : [...names];
    },
  };
}

const MAGIC = /[*?[]/;

/** fnmatch() of one path component, with `[...]` classes, `!`/`^` negation and `\` escapes. */
export function matchGlobComponent(name: string, pattern: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return globMatch(name, 0, pattern, 0);
}

function globMatch(s: string, si: number, p: string, pi: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (globMatch(s, k, p, pi)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      si++;
      pi++;
      continue;
    }
    if (c === '[') {
      const r = matchClass(s[si]!, p, pi);
      if (r === undefined) {
        // An unterminated class is an ordinary '['.
        if (s[si] !== '[') return false;
        si++;
        pi++;
        continue;
      }
      if (!r.ok) return false;
      si++;
      pi = r.next;
      continue;
    }
    let lit = c;
    if (c === '\\' && pi + 1 < p.length) lit = p[++pi]!;
    if (s[si] !== lit) return false;
    si++;
    pi++;
  }
  return si === s.length;
}

function matchClass(ch: string, p: string, start: number): { ok: boolean; next: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let ok = false;
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    let lo = p[i]!;
    if (lo === '\\' && i + 1 < p.length) lo = p[++i]!;
    i++;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let hi = p[i + 1]!;
      i += 2;
      if (hi === '\\' && i < p.length) hi = p[i++]!;
      if (ch >= lo && ch <= hi) ok = true;
    } else if (ch === lo) {
      ok = true;
    }
  }
  if (i >= p.length) return undefined;
  return { ok: ok !== negate, next: i + 1 };
}

/**
 * The files an absolute glob pattern names, sorted. Components without wildcards are taken
 * as they are (the caller finds out whether the file exists when it reads it).
 */
export function globPaths(pattern: string, fs: ConfigFileSystem): string[] {
  if (!MAGIC.test(pattern)) return [pattern.replace(/\\(.)/g, '$1')];
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let current: string[] = [absolute ? '' : '.'];
  for (let i = absolute ? 1 : 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next: string[] = [];
    for (const base of current) {
      if (!MAGIC.test(part)) {
        next.push(`${base}/${part.replace(/\\(.)/g, '$1')}`);
        continue;
      }
      const names = fs.readDir?.(base === '' ? '/' : base) ?? [];
      for (const n of names) if (matchGlobComponent(n, part)) next.push(`${base}/${n}`);
    }
    current = next;
  }
  const out = current.map((p) => (absolute ? p : p.replace(/^\.\//, '')));
  // glob(3) sorts with strcmp(); compare UTF-16 code units, which agrees for ASCII names.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Whether a path is absolute (OpenSSH's path_absolute(): it starts with `/`). */
export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

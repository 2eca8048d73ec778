/**
 * `.dockerignore` with Docker's rules (moby/patternmatcher):
 * - one pattern per line; lines starting with `#` are comments; blanks trimmed;
 * - `!pattern` re-includes what earlier patterns excluded; the last pattern
 *   that matches a path decides;
 * - patterns are cleaned like Go's filepath.Clean and a leading `/` dropped,
 *   so they are always relative to the context root;
 * - Go filepath.Match syntax (`*` and `?` never cross `/`, `[a-z]`, `[^a]`,
 *   `\` escapes) plus `**`, which matches any number of directories
 *   (including none);
 * - a pattern that matches a directory excludes everything under it: a path
 *   is matched when the pattern matches it or one of its parent directories.
 * The Dockerfile and `.dockerignore` are always sent to the builder; an
 * exclusion of them only keeps them out of `COPY`/`ADD`.
 */
import path from 'node:path';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
}

/** Parse the text of a .dockerignore file. */
export function parseIgnore(text: string): Pattern[] {
  const out: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    if (!line) continue;
    let p = path.posix.normalize(line);
    if (p.length > 1) p = p.replace(/^\/+/, '').replace(/\/+$/, '');
    out.push({ re: compile(p), exclusion });
  }
  return out;
}

/** Go filepath.Match + `**` → an anchored regular expression (also COPY's source globs). */
export function compile(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      i++;
      if (p[i + 1] === '/') i++;
      re += i + 1 >= p.length ? '.*' : '(.*/)?';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < p.length) re += escapeRe(p[++i]);
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }
      re += `[${p.slice(i + 1, end).replace(/^!/, '^').replace(/\\(?!\])/g, '\\\\')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`, 's');
}

const escapeRe = (c: string) => c.replace(/[.+^${}()|[\]\\*?/]/g, '\\$&');

/** Whether `file` (relative, `/`-separated) is excluded: the last pattern matching it or a parent decides. */
export function isExcluded(patterns: Pattern[], file: string): boolean {
  const rel = path.posix.normalize(file).replace(/^\/+/, '');
  const parents = rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const p of patterns) {
    if (p.exclusion !== excluded) continue;
    if (p.re.test(rel) || parents.some((d) => p.re.test(d))) excluded = !p.exclusion;
  }
  return excluded;
}

export type IgnorePatterns = Pattern[];

/**
 * COPY/ADD sources: patterns (Go filepath.Match globs) resolved inside a
 * root (symlinks followed within it, never out of it: context-path.ts) — the build context (minus `.dockerignore` exclusions) or a tree
 * fetched from another stage — into the files they name, and a checksum of
 * those files' paths, types, modes and contents (never mtimes or owners),
 * which is what the cache compares.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno, isKind } from '../../lib/errors.js';
import { compile, isExcluded, type IgnorePatterns } from './ignore.js';
import { insidePath } from './context-path.js';

/** One file, directory or symlink to copy. */
export interface SourceEntry {
  host: string;
  /** Path under the source's top ('' for the top itself). */
  rel: string;
  stat: Stats;
}

/** What one pattern matched: a file (one entry) or a directory (its content). */
export interface Source {
  /** Base name of the top path ('' for the root). */
  name: string;
  host: string;
  isDir: boolean;
  entries: SourceEntry[];
}

const GLOB = /[*?[]/;

/** Resolve `patterns` inside `root`; `ignore` hides excluded paths. Errors name the pattern. */
export async function resolveSources(root: string, patterns: string[], ignore: IgnorePatterns, verb: string): Promise<Source[]> {
  const out: Source[] = [];
  for (const p of patterns) {
    const rel = path.posix.normalize(p).replace(/^\/+/, '') || '.';
    if (rel === '..' || rel.startsWith('../')) throw invalid(`${verb} failed: forbidden path outside the build context: ${p} ()`);
    const tops = GLOB.test(rel) ? await globMatches(root, rel, ignore) : [rel];
    if (tops.length === 0) throw invalid(`${verb} failed: no source files were specified`);
    for (const top of tops) out.push(await sourceAt(root, top, p, ignore, verb));
  }
  return out;
}

/**
 * One source path, resolved inside `root` as Docker does: every symlink on
 * the way, the last one included, is followed within the root (a link to
 * `/etc` names `<root>/etc`). A directory's content is walked without
 * following links (they are copied as links).
 */
async function sourceAt(root: string, rel: string, pattern: string, ignore: IgnorePatterns, verb: string): Promise<Source> {
  const notFound = () => invalid(`${verb} failed: file not found in build context or excluded by .dockerignore: stat ${pattern}: file does not exist`);
  const inside = rel === '.' ? '' : await insidePath(root, rel).catch((err: unknown) => {
    throw isKind(err, 'Invalid') ? invalid(`${verb} failed: ${(err as Error).message}`, err) : err;
  });
  if (rel !== '.' && (isExcluded(ignore, rel) || (inside !== '' && isExcluded(ignore, inside)))) throw notFound();
  const host = inside === '' ? root : path.join(root, inside);
  const stat = await fsp.lstat(host).catch((err) => {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notFound();
    throw err;
  });
  const name = rel === '.' ? '' : path.posix.basename(rel);
  if (!stat.isDirectory()) {
    if (pattern.endsWith('/')) throw notFound();
    return { name, host, isDir: false, entries: [{ host, rel: '', stat }] };
  }
  return { name, host, isDir: true, entries: await walk(host, inside, ignore) };
}

/** Every entry under `dir` (sorted, depth first), skipping excluded ones. */
async function walk(dir: string, ctxRel: string, ignore: IgnorePatterns, rel = ''): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  const names = (await fsp.readdir(path.join(dir, rel))).sort();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    const host = path.join(dir, r);
    const stat = await fsp.lstat(host);
    const excluded = ignore.length > 0 && isExcluded(ignore, ctxRel ? `${ctxRel}/${r}` : r);
    if (!excluded) out.push({ host, rel: r, stat });
    if (stat.isDirectory()) out.push(...await walk(dir, ctxRel, ignore, r));
  }
  return out;
}

/** Paths under `root` matching the glob `pattern` (relative, `/`-separated). */
async function globMatches(root: string, pattern: string, ignore: IgnorePatterns): Promise<string[]> {
  const re = compile(pattern);
  const depth = pattern.split('/').length;
  const found: string[] = [];
  const visit = async (rel: string, level: number): Promise<void> => {
    const names = await fsp.readdir(path.join(root, rel)).catch(() => [] as string[]);
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (level === depth) {
        if (re.test(r) && !isExcluded(ignore, r)) found.push(r);
      } else if ((await fsp.lstat(path.join(root, r))).isDirectory()) await visit(r, level + 1);
    }
  };
  await visit('', 1);
  return found;
}

/** sha256 over the sources' names, entry paths, types, permission bits and contents. */
export async function checksumSources(sources: Source[]): Promise<string> {
  const h = createHash('sha256');
  for (const s of sources) {
    h.update(`source\0${s.name}\0${s.isDir ? 'dir' : 'file'}\0`);
    for (const e of s.entries) {
      h.update(`${e.rel}\0${e.stat.mode & 0o177777}\0`);
      if (e.stat.isSymbolicLink()) h.update(`${await fsp.readlink(e.host)}\0`);
      else if (e.stat.isFile()) h.update(`${await hashFile(e.host)}\0`);
    }
  }
  return h.digest('hex');
}

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

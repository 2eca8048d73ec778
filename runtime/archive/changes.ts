/**
 * `docker diff`: what an overlay upper dir changed against its lower dirs.
 *
 * - A: in the upper dir and in no lower dir;
 * - C: in the upper dir and in a lower dir (directories that overlay copied
 *   up because something inside them changed included, as Docker shows them);
 * - D: a whiteout (0/0 character device), or a lower entry hidden by an
 *   opaque upper dir.
 *
 * A lower path counts as present unless a higher lower dir holds a whiteout
 * for it (opaque dirs *between lower layers* are not consulted, as in
 * Docker's own overlay diff).
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import { spawnCreate } from './gnutar.js';
import { joinBinary } from './guard.js';
import { OPAQUE_XATTR } from './rewrite.js';
import { TarReader } from './tarreader.js';
import type { Change } from './types.js';

interface UpperEntry {
  rel: string;
  dir: boolean;
  whiteout: boolean;
}

/** Changes of `upperDir` against `lowerDirs` (top-first), sorted by path. */
export async function changes(upperDir: string, lowerDirs: string[]): Promise<Change[]> {
  const entries = await walk(upperDir);
  const opaque = await opaqueDirs(upperDir, entries.filter((e) => e.dir).map((e) => e.rel));
  const out = new Map<string, Change['kind']>();
  for (const e of entries) {
    if (e.whiteout) out.set(e.rel, 'D');
    else out.set(e.rel, (await inLowers(lowerDirs, e.rel)) ? 'C' : 'A');
  }
  for (const dir of opaque) {
    for (const name of await lowerChildren(lowerDirs, dir)) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (!out.has(rel)) out.set(rel, 'D');
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rel, kind]) => ({ path: `/${Buffer.from(rel, 'latin1').toString('utf8')}`, kind }));
}

function isWhiteout(d: Dirent | null, rdev: number): boolean {
  return d !== null && d.isCharacterDevice() && rdev === 0;
}

/** Every entry of a tree, parents first; paths as binary strings. */
async function walk(root: string, rel = '', out: UpperEntry[] = []): Promise<UpperEntry[]> {
  for (const d of await fsp.readdir(joinBinary(root, rel), { withFileTypes: true, encoding: 'buffer' })) {
    const name = (d.name as unknown as Buffer).toString('latin1');
    const child = rel === '' ? name : `${rel}/${name}`;
    const dirent = d as unknown as Dirent;
    const rdev = dirent.isCharacterDevice() ? (await fsp.lstat(joinBinary(root, child))).rdev : -1;
    out.push({ rel: child, dir: dirent.isDirectory(), whiteout: isWhiteout(dirent, rdev) });
    if (dirent.isDirectory()) await walk(root, child, out);
  }
  return out;
}

/** True when some lower dir has `rel` and no higher one whites it out. */
async function inLowers(lowerDirs: string[], rel: string): Promise<boolean> {
  for (const lower of lowerDirs) {
    try {
      const st = await fsp.lstat(joinBinary(lower, rel));
      return !(st.isCharacterDevice() && st.rdev === 0);
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
  }
  return false;
}

/** Names inside `dir` across the lower dirs (whiteouts excluded). */
async function lowerChildren(lowerDirs: string[], dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const hidden = new Set<string>();
  for (const lower of lowerDirs) {
    let list: Dirent[];
    try {
      list = await fsp.readdir(joinBinary(lower, dir), { withFileTypes: true, encoding: 'buffer' }) as unknown as Dirent[];
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) continue;
      throw err;
    }
    for (const d of list) {
      const name = (d.name as unknown as Buffer).toString('latin1');
      if (hidden.has(name) || names.has(name)) continue;
      const rel = dir === '' ? name : `${dir}/${name}`;
      const rdev = d.isCharacterDevice() ? (await fsp.lstat(joinBinary(lower, rel))).rdev : -1;
      if (isWhiteout(d, rdev)) hidden.add(name);
      else names.add(name);
    }
  }
  return names;
}

/** The dirs among `dirs` (relative to root) that carry `trusted.overlay.opaque=y`, read through GNU tar. */
export async function opaqueDirs(root: string, dirs: string[]): Promise<string[]> {
  const candidates = ['', ...dirs];
  const tar = spawnCreate(root, [], { listFromStdin: true });
  const found: string[] = [];
  const reader = new TarReader({
    entry: (e) => {
      if (e.type === 'dir' && e.xattrs.get(OPAQUE_XATTR)?.toString() === 'y') found.push(e.name.replace(/^\.\/?/, '').replace(/\/$/, ''));
    },
    data: () => undefined,
    entryEnd: () => undefined,
  });
  tar.stdin.end(Buffer.concat(candidates.map((d) => Buffer.from(`./${d}\0`, 'latin1'))));
  for await (const chunk of tar.stdout) reader.push(chunk as Buffer);
  await tar.done;
  reader.finish();
  return found;
}

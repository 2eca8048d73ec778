/**
 * The safe-extraction rules, applied to each entry *before* anything is
 * written: the extractor (GNU tar) only ever sees entries this guard passed.
 *
 * It tracks what the archive has created so far (and, when extracting into an
 * existing tree, what is already there) so it can refuse writes through
 * symlinks and hardlinks to anything but a regular file extracted earlier.
 */
import { lstatSync } from 'node:fs';
import { invalid, isErrno } from '../../lib/errors.js';
import { display } from './tarreader.js';
import type { EntryType, TarEntry } from './tarheader.js';

type Kind = EntryType | 'whiteout' | 'missing';

/**
 * Normalize an entry path: drop leading `/` and `./`, empty and `.`
 * components. Returns '' for the archive root. A `..` component anywhere is
 * refused (Docker would clean it; refusing is stricter and never surprising).
 * `entry` and `what` only shape the error message.
 */
export function normalizeEntryPath(raw: string, entry = raw, what = 'path'): string {
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw invalid(`layer entry "${display(entry)}": ${what} escapes the layer`);
    parts.push(part);
  }
  return parts.join('/');
}

/** Checks entries of one archive in order, remembering what earlier entries created. */
export class EntryGuard {
  /** Kind of each path as the archive (or the existing tree) left it. */
  private readonly kinds = new Map<string, Kind>();
  /** Regular files (and hardlinks to them) this archive wrote: the only valid hardlink targets. */
  private readonly fromArchive = new Set<string>();

  /** `dest` is an existing tree to lstat for paths the archive has not written yet; null for a fresh dir. */
  /** Parent dirs entries needed that neither the archive nor the tree has: tar creates them (in this order). */
  readonly implied: string[] = [];

  constructor(private readonly dest: string | null) {}

  /**
   * Check one entry and record what it creates; returns its normalized path.
   * Throws `Invalid` naming the entry when a rule is broken.
   */
  admit(e: TarEntry): string {
    const p = normalizeEntryPath(e.name);
    const fail = (why: string) => invalid(`layer entry "${display(e.name)}": ${why}`);
    if (e.type === 'char' || e.type === 'block' || e.type === 'fifo') throw fail('device nodes and FIFOs are not allowed');
    if (p === '' && e.type !== 'dir') throw fail('the layer root must be a directory');
    this.checkParents(p, fail);
    // GNU tar keeps an existing symlink where the archive has a directory, and follows it
    if (e.type === 'dir' && p !== '' && this.kindOf(p) === 'symlink') throw fail('would write through a symlink');
    if (e.type === 'link') this.checkHardlink(e, fail);
    this.kinds.set(p, e.type === 'link' ? 'file' : e.type);
    if (e.type === 'file' || e.type === 'link') this.fromArchive.add(p);
    else this.fromArchive.delete(p);
    return p;
  }

  /** Check and record a whiteout (`.wh.` entry) for `target`, a normalized path. */
  admitWhiteout(e: TarEntry, target: string): void {
    const fail = (why: string) => invalid(`layer entry "${display(e.name)}": ${why}`);
    this.checkParents(target, fail);
    this.kinds.set(target, 'whiteout');
  }

  /** Check that `dir` (normalized) can be made opaque: neither it nor a parent is a symlink. */
  admitOpaque(e: TarEntry, dir: string): void {
    const fail = (why: string) => invalid(`layer entry "${display(e.name)}": ${why}`);
    this.checkParents(dir === '' ? '' : `${dir}/x`, fail);
    if (dir !== '' && this.kinds.get(dir) === undefined) this.kinds.set(dir, 'dir');
  }

  /** Every parent directory of `p` must be a real directory (or not exist yet). */
  private checkParents(p: string, fail: (why: string) => Error): void {
    let i = p.indexOf('/');
    while (i !== -1) {
      const parent = p.slice(0, i);
      const kind = this.kindOf(parent);
      if (kind === 'symlink') throw fail(`would write through symlink "${display(parent)}"`);
      if (kind !== 'dir' && kind !== 'missing') throw fail(`parent "${display(parent)}" is not a directory`);
      if (kind === 'missing') {
        this.kinds.set(parent, 'dir');
        this.implied.push(parent);
      }
      i = p.indexOf('/', i + 1);
    }
  }

  private checkHardlink(e: TarEntry, fail: (why: string) => Error): void {
    if (e.linkname === '') throw fail('hardlink without a target');
    const target = normalizeEntryPath(e.linkname, e.name, `hardlink target "${display(e.linkname)}"`);
    this.checkParents(target, (why) => fail(`hardlink target "${display(e.linkname)}": ${why}`));
    if (this.kinds.get(target) !== 'file' || !this.fromArchive.has(target)) {
      throw fail(`hardlink target "${display(e.linkname)}" is not a regular file extracted earlier from this archive`);
    }
  }

  /** Kind of a path: from the archive so far, else from the existing tree (cached). */
  private kindOf(p: string): Kind {
    const known = this.kinds.get(p);
    if (known !== undefined) return known;
    const kind = this.dest === null ? 'missing' : lstatKind(joinBinary(this.dest, p));
    this.kinds.set(p, kind);
    return kind;
  }
}

/** `dir` (a normal string) joined with a binary-string relative path, as a Buffer path. */
export function joinBinary(dir: string, rel: string): Buffer {
  return rel === '' ? Buffer.from(dir) : Buffer.concat([Buffer.from(dir), Buffer.from(`/${rel}`, 'latin1')]);
}

function lstatKind(file: Buffer): Kind {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'dir';
    if (st.isFile()) return 'file';
    return 'char';
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 'missing';
    if (isErrno(err, 'ENOTDIR')) return 'file';
    throw err;
  }
}

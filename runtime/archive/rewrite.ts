/**
 * The layer rewriter: a Transform from an (uncompressed) layer tar to a
 * canonical tar that GNU tar may extract blindly. Every entry passes the
 * guard; names are normalized; `.wh.` whiteouts become what the target wants:
 *
 * - 'overlay': `dir/.wh.name` → a 0/0 character device `dir/name`;
 *   `dir/.wh..wh..opq` → `dir` again, with `trusted.overlay.opaque=y`.
 * - 'apply': whiteouts are not written; they are listed (`deletions`,
 *   `opaqueDirs`) for the caller to apply once extraction is done.
 *
 * `trusted.overlay.*` xattrs in the input are dropped: only whiteout entries
 * may produce overlay metadata.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { invalid } from '../../lib/errors.js';
import { EntryGuard, normalizeEntryPath } from './guard.js';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarEntry } from './tarheader.js';
import { TarReader, display } from './tarreader.js';
import { entryToHost, hostIdOf, type IdMaps } from './owners.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
const META_PREFIX = '.wh..wh.';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface RewriteOptions {
  whiteouts: 'overlay' | 'apply';
  /** Existing tree the output will be extracted into (checked for symlinks); null for a fresh dir. */
  dest: string | null;
  /** False to validate only (nothing is pushed). */
  emit: boolean;
  /** Shift owners from container ids to host ids (extracting into a container in a user namespace). */
  owners?: IdMaps;
}

/** Layer tar in, canonical checked tar out (see the file comment). */
export class LayerRewriter extends Transform {
  /** 'apply' mode: normalized paths whiteouts delete. */
  readonly deletions: string[] = [];
  /** 'apply' mode: normalized dirs whose earlier content must go. */
  readonly opaqueDirs: string[] = [];
  /** 'apply' mode: every path this archive wrote, with its parents. */
  readonly written = new Set<string>();

  private readonly reader: TarReader;
  private readonly guard: EntryGuard;
  private readonly dirs = new Map<string, TarEntry>();
  private readonly opaque = new Set<string>();
  private dataSize = 0;
  private skipping = false;

  constructor(private readonly opts: RewriteOptions) {
    super();
    this.guard = new EntryGuard(opts.dest);
    this.reader = new TarReader({
      entry: (e) => this.onEntry(e),
      data: (chunk) => { if (!this.skipping) this.out(chunk); },
      entryEnd: () => { if (!this.skipping) this.out(padding(this.dataSize)); this.skipping = false; },
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.reader.push(chunk);
      this.drain();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.reader.finish();
      this.out(END_OF_ARCHIVE);
      this.drain();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  /** Output is batched per input chunk: one write to GNU tar instead of one per header. */
  private batch: Buffer[] = [];

  private out(b: Buffer): void {
    if (this.opts.emit && b.length > 0) this.batch.push(b);
  }

  private drain(): void {
    if (this.batch.length === 0) return;
    this.push(this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch));
    this.batch = [];
  }

  private onEntry(e: TarEntry): void {
    if (this.opts.owners) entryToHost(e, this.opts.owners);
    const p = normalizeEntryPath(e.name);
    const slash = p.lastIndexOf('/');
    const dir = slash === -1 ? '' : p.slice(0, slash);
    const base = p.slice(slash + 1);
    // whiteouts and aufs metadata are never written as such, so their data is dropped
    this.skipping = base.startsWith(WHITEOUT_PREFIX) || p.startsWith(META_PREFIX);
    if (base === OPAQUE_MARKER) this.onOpaque(e, dir);
    else if (p.startsWith(META_PREFIX)) return; // aufs metadata (`.wh..wh.plnk`…): ignored, as Docker does
    else if (this.skipping) this.onWhiteout(e, dir, base.slice(WHITEOUT_PREFIX.length));
    else this.onRegular(e);
  }

  private onRegular(e: TarEntry): void {
    const before = this.guard.implied.length;
    const p = this.guard.admit(e);
    if (this.opts.owners) this.ownImpliedDirs(this.guard.implied.slice(before), e);
    for (const key of e.xattrs.keys()) if (key.startsWith('trusted.overlay.')) e.xattrs.delete(key);
    e.name = p === '' ? './' : p;
    if (e.type === 'link') e.linkname = normalizeEntryPath(e.linkname);
    if (e.type === 'dir') {
      this.dirs.set(p, { ...e, xattrs: new Map(e.xattrs) });
      if (this.opaque.has(p)) e.xattrs.set(OPAQUE_XATTR, Buffer.from('y'));
    }
    if (this.opts.whiteouts === 'apply') this.noteWritten(p);
    this.dataSize = e.size;
    this.out(encodeHeader(e));
  }

  /**
   * Extracting into a user namespace: the parent dirs tar would create on its
   * own (owned by the engine, host root: "nobody" inside) are written as
   * entries owned by the container's root instead, as Docker's userns-remap
   * creates them.
   */
  private ownImpliedDirs(dirs: string[], like: TarEntry): void {
    if (dirs.length === 0) return;
    const uid = hostIdOf(this.opts.owners!.uidMap, 0);
    const gid = hostIdOf(this.opts.owners!.gidMap, 0);
    for (const name of dirs) {
      this.out(encodeHeader({ name, type: 'dir', mode: 0o755, uid, gid, size: 0, mtime: like.mtime, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() }));
    }
  }

  private onWhiteout(e: TarEntry, dir: string, name: string): void {
    if (name === '' || name === '.' || name === '..') throw invalid(`layer entry "${display(e.name)}": malformed whiteout`);
    const target = dir === '' ? name : `${dir}/${name}`;
    this.guard.admitWhiteout(e, target);
    if (this.opts.whiteouts === 'apply') {
      this.deletions.push(target);
      return;
    }
    const device: TarEntry = {
      name: target, type: 'char', mode: 0, uid: e.uid, gid: e.gid, size: 0, mtime: e.mtime,
      linkname: '', devmajor: 0, devminor: 0, xattrs: new Map(),
    };
    this.out(encodeHeader(device));
  }

  private onOpaque(e: TarEntry, dir: string): void {
    this.guard.admitOpaque(e, dir);
    if (this.opts.whiteouts === 'apply') {
      this.opaqueDirs.push(dir);
      return;
    }
    this.opaque.add(dir);
    const known = this.dirs.get(dir);
    const entry: TarEntry = known
      ? { ...known, xattrs: new Map(known.xattrs) }
      : { name: dir, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: e.mtime, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() };
    entry.name = dir === '' ? './' : dir;
    entry.xattrs.set(OPAQUE_XATTR, Buffer.from('y'));
    this.out(encodeHeader(entry));
  }

  private noteWritten(p: string): void {
    for (let q = p; q !== '' && !this.written.has(q); q = q.slice(0, Math.max(0, q.lastIndexOf('/')))) {
      this.written.add(q);
    }
  }
}

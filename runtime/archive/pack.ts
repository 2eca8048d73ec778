/**
 * Packing trees into tars: GNU tar reads the tree (with xattrs, in sorted
 * order), a mapper rewrites entries (names, whiteouts) and re-encodes them
 * canonically, so the same tree always gives the same bytes.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { invalid } from '../../lib/errors.js';
import { spawnCreate, type TarProcess } from './gnutar.js';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from './rewrite.js';
import { END_OF_ARCHIVE, encodeHeader, padding, type TarEntry } from './tarheader.js';
import { TarReader } from './tarreader.js';
import type { PackTreeOptions } from './types.js';
import { entryToContainer, type IdMaps } from './owners.js';

/** Maps one entry read from disk to the entries to write ([] drops it and its data). */
type EntryMap = (e: TarEntry) => TarEntry[];

/** Re-encodes GNU tar's output through an EntryMap; fails when tar fails. */
class EntryMapper extends Transform {
  private readonly reader: TarReader;
  private dataSize = 0;
  private dropping = false;

  constructor(map: EntryMap, private readonly tar: TarProcess) {
    super();
    this.reader = new TarReader({
      entry: (e) => {
        const out = map(e);
        this.dropping = out.length === 0;
        this.dataSize = e.size;
        for (const o of out) this.push(encodeHeader(o));
      },
      data: (chunk) => { if (!this.dropping) this.push(chunk); },
      entryEnd: () => { if (!this.dropping) this.push(padding(this.dataSize)); },
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.reader.push(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    this.tar.done.then(() => {
      this.reader.finish();
      this.push(END_OF_ARCHIVE);
      cb();
    }).catch((err: Error) => cb(err));
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.tar.kill();
    cb(err);
  }
}

function mapped(tar: TarProcess, map: EntryMap, owners?: IdMaps): Readable {
  const mapper = new EntryMapper(owners ? (e) => map(entryToContainer(e, owners)) : map, tar);
  tar.stdout.on('error', (err) => mapper.destroy(err));
  tar.done.catch((err: Error) => mapper.destroy(err));
  return tar.stdout.pipe(mapper);
}

function withoutOverlayXattrs(e: TarEntry): TarEntry {
  const xattrs = new Map([...e.xattrs].filter(([k]) => !k.startsWith('trusted.overlay.')));
  return { ...e, xattrs };
}

/** GNU tar names (`./a/b`) to layer names (`a/b`); '' for the root. */
function relative(name: string): string {
  return name.replace(/^\.\/?/, '').replace(/\/$/, '');
}

function marker(name: string, like: TarEntry): TarEntry {
  return { ...like, name, type: 'file', mode: like.mode & 0o777, size: 0, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() };
}

/** Overlay form → layer-tar form: 0/0 char devices → `.wh.name`, opaque dirs → `dir/.wh..wh..opq`. */
function upperToLayer(e: TarEntry): TarEntry[] {
  const name = relative(e.name);
  if (name === '') return [];
  const slash = name.lastIndexOf('/');
  if (e.type === 'char' && e.devmajor === 0 && e.devminor === 0) {
    return [marker(`${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`, e)];
  }
  const out = [{ ...withoutOverlayXattrs(e), name, linkname: e.type === 'link' ? relative(e.linkname) : e.linkname }];
  if (e.type === 'dir' && e.xattrs.get(OPAQUE_XATTR)?.toString() === 'y') out.push(marker(`${name}/${OPAQUE_MARKER}`, e));
  return out;
}

/**
 * Tar of an overlay upper dir as a layer: whiteouts turned back into `.wh.`
 * entries, `trusted.overlay.*` xattrs dropped, no entry for the root, entries
 * in sorted order with their mtimes, so the same tree gives the same bytes.
 * `owners`: the upper dir of a container in a user namespace, whose host
 * owners become container owners (owners.ts).
 */
export function packLayer(upperDir: string, owners?: IdMaps): Readable {
  return mapped(spawnCreate(upperDir, ['.']), upperToLayer, owners);
}

/** Rename `./rest` to `name/rest` (or `rest` when name is ''). */
function renamer(name: string): EntryMap {
  const rename = (n: string) => {
    const rel = relative(n);
    return name === '' ? rel : rel === '' ? name : `${name}/${rel}`;
  };
  return (e) => {
    const n = rename(e.name);
    if (n === '') return [];
    return [{ ...withoutOverlayXattrs(e), name: n, linkname: e.type === 'link' ? rename(e.linkname) : e.linkname }];
  };
}

/**
 * Plain tar of a file or directory (`docker export`, `docker cp` out), with
 * xattrs and numeric owners. See PackTreeOptions for naming.
 */
export async function packTree(target: string, opts: PackTreeOptions = {}): Promise<Readable> {
  const st = await fsp.lstat(target);
  const name = (opts.name ?? path.basename(path.resolve(target))).replace(/^\/+|\/+$/g, '');
  if (st.isDirectory()) return mapped(spawnCreate(target, ['.']), renamer(name), opts.owners);
  if (name === '') throw invalid(`cannot pack ${target} without a name: it is not a directory`);
  const dirTar = spawnCreate(path.dirname(target), [`./${path.basename(target)}`]);
  return mapped(dirTar, (e) => renamer(name)({ ...e, name: e.name.replace(/^\.\/[^/]+/, '.'), linkname: e.type === 'link' ? e.linkname.replace(/^\.\/[^/]+/, '.') : e.linkname }), opts.owners);
}

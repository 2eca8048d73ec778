/**
 * Writing COPY/ADD sources into a build container: Docker's destination
 * rules turned into one tar (owners 0:0 or `--chown`, modes kept or
 * `--chmod`, mtimes kept), extracted by the engine's safe `putArchive`;
 * local archives of ADD are then extracted into the destination as they are.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { invalid, isKind } from '../../lib/errors.js';
import type { Build } from './state.js';
import type { Source, SourceEntry } from './sources.js';

export interface CopyOptions {
  /** Absolute destination; a trailing `/` means "a directory". */
  dest: string;
  owner: { uid: number; gid: number } | null;
  chmod: number | null;
  /** Sources to extract (ADD of a local tar) instead of copying. */
  archives: Set<Source>;
  verb: string;
}

interface Placed {
  entry: SourceEntry;
  name: string;
}

/** Copy `sources` into container `id` following Docker's rules for `dest`. */
export async function copyInto(b: Build, id: string, sources: Source[], o: CopyOptions): Promise<void> {
  const { engine } = b.deps;
  const many = sources.length > 1;
  if (many && !o.dest.endsWith('/')) throw invalid(`When using ${o.verb} with more than one source file, the destination must be a directory and end with a /`);
  const dest = path.posix.normalize(o.dest);
  const stat = await engine.statPath(id, dest).catch((err) => { if (isKind(err, 'NotFound')) return null; throw err; });
  const destIsDir = o.dest.endsWith('/') || (stat !== null && stat.mode >= 2 ** 31);
  const placed: Placed[] = [];
  for (const s of sources) {
    if (o.archives.has(s)) continue;
    for (const e of s.entries) {
      const target = s.isDir ? path.posix.join(dest, e.rel) : destIsDir ? path.posix.join(dest, s.name) : dest;
      placed.push({ entry: e, name: target });
    }
  }
  const needsDir = sources.some((s) => s.isDir || o.archives.has(s)) || destIsDir;
  await engine.putArchive(id, '/', packPlaced(placed, needsDir && !stat && dest !== '/' ? dest : null, o));
  for (const s of sources) if (o.archives.has(s)) await engine.putArchive(id, dest, createReadStream(s.host));
}

/** The tar of everything placed, plus the destination directory when it must be created. */
function packPlaced(placed: Placed[], newDir: string | null, o: CopyOptions): Readable {
  const pack = tarStream.pack();
  const owner = o.owner ?? { uid: 0, gid: 0 };
  void (async () => {
    try {
      if (newDir) await addEntry(pack, { name: rel(newDir), type: 'directory', mode: o.chmod ?? 0o755, ...owner });
      const firstOfInode = new Map<string, string>();
      for (const p of placed) await addPlaced(pack, p, owner, o.chmod, firstOfInode);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack as unknown as Readable;
}

const rel = (p: string) => p.replace(/^\/+/, '');

/**
 * One placed entry as a tar entry of what it is: a directory, a symlink (its
 * target as written, never followed), a hardlink to a file placed earlier
 * in this copy (`firstOfInode`: device:inode → name), or a regular file.
 * Build contexts hold nothing else (extraction refuses device nodes and FIFOs).
 */
async function addPlaced(pack: tarStream.Pack, p: Placed, owner: { uid: number; gid: number }, chmod: number | null, firstOfInode: Map<string, string>): Promise<void> {
  const st = p.entry.stat;
  const base = { name: rel(p.name), mode: chmod ?? (st.mode & 0o7777), mtime: st.mtime, ...owner };
  if (!base.name) return;
  if (st.isDirectory()) return addEntry(pack, { ...base, type: 'directory' });
  if (st.isSymbolicLink()) return addEntry(pack, { ...base, type: 'symlink', linkname: await fsp.readlink(p.entry.host) });
  if (!st.isFile()) throw invalid(`cannot copy ${p.entry.rel || path.posix.basename(p.entry.host)}: only files, directories and symlinks can be copied`);
  const inode = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1 ? firstOfInode.get(inode) : undefined;
  if (first !== undefined) return addEntry(pack, { ...base, type: 'link', linkname: first });
  if (st.nlink > 1) firstOfInode.set(inode, base.name);
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ ...base, type: 'file', size: st.size } as tarStream.Header, (err) => (err ? reject(err) : resolve()));
    createReadStream(p.entry.host).on('error', reject).pipe(sink);
  });
}

function addEntry(pack: tarStream.Pack, header: Partial<tarStream.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header as tarStream.Header, (err) => (err ? reject(err) : resolve())));
}

/** True when the file starts like a tar or a gzip stream (ADD extracts those). */
export async function isLocalArchive(file: string): Promise<boolean> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

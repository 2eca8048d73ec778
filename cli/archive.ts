/**
 * Local ends of tar transfers: `save`/`export` output, `load`/`import`
 * input, and the packing and unpacking behind `container cp`. The tar's
 * top-level name can be renamed on the way (`cp ctr:/a ./b` copies `a` as
 * `b`), and extraction never writes outside the target directory.
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { invalid } from '../lib/errors.js';
import type { CliContext } from './context.js';

/** One entry of an archive being extracted (tar-stream's streamx Readable). */
type Entry = tar.Extract extends AsyncIterable<infer S> ? S : never;

/** Write a stream to `file`, or to stdout when none is given (refusing a terminal). */
export async function writeOutput(ctx: CliContext, data: Readable, file: string | undefined): Promise<void> {
  if (!file || file === '-') {
    if (ctx.io.stdout.isTTY) throw invalid('refusing to write a tar archive to a terminal: use -o FILE or redirect stdout');
    return pipeline(data, ctx.io.stdout, { end: false });
  }
  await pipeline(data, createWriteStream(file));
}

/** The stream of `file`, or stdin when none is given (refusing a terminal). */
export function readInput(ctx: CliContext, file: string | undefined): Readable {
  if (file && file !== '-') return createReadStream(file);
  if (ctx.io.stdin.isTTY) throw invalid('refusing to read a tar archive from a terminal: use -i FILE or redirect stdin');
  return ctx.io.stdin;
}

/**
 * Rename of the archive's top-level entry: `from` → `to`; `to === ''`
 * drops the top level (copy the contents of a directory).
 */
export interface Rename { from: string; to: string }

/** Apply a rename to a tar entry name ("a/b/c"); undefined when the entry is the dropped top level. */
export function renameEntry(name: string, rename: Rename | undefined): string | undefined {
  const clean = name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
  if (!rename || !(clean === rename.from || clean.startsWith(`${rename.from}/`))) return clean;
  const rest = clean.slice(rename.from.length).replace(/^\//, '');
  if (!rename.to) return rest || undefined;
  return rest ? `${rename.to}/${rest}` : rename.to;
}

/** Unpack a tar into `dir`, renaming its top level; refuses entries that would land outside `dir`. */
export async function extractTar(input: Readable, dir: string, rename?: Rename): Promise<void> {
  const extract = tar.extract();
  const done = pipeline(input, extract);
  done.catch(() => { /* reported by the loop or awaited below */ });
  for await (const entry of extract) {
    const name = renameEntry(entry.header.name, rename);
    const target = name === undefined ? undefined : path.resolve(dir, name);
    if (target && target !== dir && !target.startsWith(`${dir}/`)) throw invalid(`archive entry "${entry.header.name}" points outside the destination`);
    if (target && (entry.header.type === 'file' || entry.header.type === 'contiguous-file')) await writeFile(entry, target);
    else {
      if (target) await writeOther(entry.header, target, dir, rename);
      entry.resume();
    }
  }
  await done;
}

async function writeFile(entry: Entry, target: string): Promise<void> {
  const mode = (entry.header.mode ?? 0o644) & 0o7777;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.rm(target, { force: true });
  await pipeline(entry as unknown as Readable, createWriteStream(target, { mode }));
  await fsp.chmod(target, mode);
  if (entry.header.mtime) await fsp.utimes(target, entry.header.mtime, entry.header.mtime);
}

/** Directories, symlinks and hard links; devices and fifos are not copied out. */
async function writeOther(h: tar.Header, target: string, dir: string, rename: Rename | undefined): Promise<void> {
  if (h.type === 'directory') {
    await fsp.mkdir(target, { recursive: true });
    return fsp.chmod(target, (h.mode ?? 0o755) & 0o7777);
  }
  if (h.type !== 'symlink' && h.type !== 'link') return;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.rm(target, { force: true });
  if (h.type === 'symlink') return fsp.symlink(h.linkname ?? '', target);
  const source = path.resolve(dir, renameEntry(h.linkname ?? '', rename) ?? '');
  if (!source.startsWith(`${dir}/`)) throw invalid(`archive link "${h.name}" points outside the destination`);
  await fsp.link(source, target);
}

/** Pack a local file or directory tree as a tar whose top-level name is `name` ('' = the directory's contents). */
export function packPath(source: string, name: string): Readable {
  const pack = tar.pack();
  const add = async (file: string, entryName: string): Promise<void> => {
    const st = await fsp.lstat(file);
    const base = { name: entryName, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (st.isDirectory()) {
      if (entryName) pack.entry({ ...base, type: 'directory' });
      for (const child of (await fsp.readdir(file)).sort()) await add(path.join(file, child), entryName ? `${entryName}/${child}` : child);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...base, type: 'symlink', linkname: await fsp.readlink(file) });
    } else if (st.isFile()) {
      await pipeline(createReadStream(file), pack.entry({ ...base, type: 'file', size: st.size }) as unknown as NodeJS.WritableStream);
    }
  };
  add(source, name).then(() => pack.finalize(), (err: Error) => pack.destroy(err));
  return pack as unknown as Readable;
}

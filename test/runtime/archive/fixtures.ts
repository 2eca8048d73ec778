/**
 * Test helpers: tars built with tar-stream (an independent writer), temp
 * dirs under os.tmpdir(), reading tars back, xattrs, overlay mounts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { ExecutionContext } from 'ava';
import tar from 'tar-stream';

export interface FixtureEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  data?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Raw PAX records (tar-stream writes them as UTF-8 strings). */
  pax?: Record<string, string>;
}

const FIXED_TIME = new Date('2024-01-02T03:04:05Z');

/** A tar made by tar-stream from a list of entries. */
export async function tarOf(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const isFile = (e.type ?? 'file') === 'file';
    // tar-stream waits for the data of a file entry, even an empty one
    const data = e.data === undefined ? (isFile ? Buffer.alloc(0) : undefined) : Buffer.from(e.data);
    const header = {
      name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? FIXED_TIME, linkname: e.linkname,
      devmajor: e.devmajor, devminor: e.devminor, pax: e.pax, size: data?.length ?? 0,
    };
    if (data) pack.entry(header, data);
    else pack.entry(header);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Same, gzip-compressed. */
export async function tgzOf(entries: FixtureEntry[]): Promise<Buffer> {
  return gzipSync(await tarOf(entries));
}

/** A one-shot stream of bytes. */
export function streamOf(buf: Buffer): Readable {
  return Readable.from([buf]);
}

export interface ReadEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string | null;
  data: Buffer;
  pax: Record<string, string> | null;
}

/** Every entry of a tar, read with tar-stream. */
export async function entriesOf(input: Buffer | AsyncIterable<Buffer>): Promise<ReadEntry[]> {
  const extract = tar.extract();
  const source = Buffer.isBuffer(input) ? Readable.from([input]) : Readable.from(input);
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const out: ReadEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry as unknown as AsyncIterable<Buffer>) chunks.push(c);
    const h = entry.header;
    out.push({
      name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, mtime: Math.floor(h.mtime.getTime() / 1000),
      linkname: h.linkname ?? null, data: Buffer.concat(chunks), pax: (h.pax as Record<string, string> | null) ?? null,
    });
  }
  return out;
}

/** Collect a stream into one Buffer. */
export async function bytesOf(input: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A fresh temp dir removed after the test (unmounting anything left under it). */
export function tempDir(t: ExecutionContext, prefix = 'tspaas-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => {
    umountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function umountUnder(dir: string): void {
  const mounts = execFileSync('cat', ['/proc/self/mountinfo']).toString().split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execFileSync('umount', ['-l', m]);
}

/** An xattr's raw value, or null when the file does not have it (read by Python, not by our code). */
export function getXattr(file: string, name: string): Buffer | null {
  const script = 'import os,sys\ntry: sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())\nexcept OSError: sys.stdout.write("-")';
  const out = execFileSync('python3', ['-c', script, file, name]).toString();
  return out === '-' ? null : Buffer.from(out, 'hex');
}

/** Set an xattr (by Python). */
export function setXattr(file: string, name: string, value: Buffer): void {
  const script = 'import os,sys\nos.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)';
  execFileSync('python3', ['-c', script, file, name, value.toString('hex')]);
}

/** mknod a 0/0 character device (an overlay whiteout) or any char device. */
export function mknodChar(file: string, major = 0, minor = 0): void {
  execFileSync('mknod', [file, 'c', String(major), String(minor)]);
}

/** Mount an overlay: lowers top-first. */
export function mountOverlay(target: string, lowers: string[], upper?: string, work?: string): void {
  const opts = [`lowerdir=${lowers.join(':')}`];
  if (upper && work) opts.push(`upperdir=${upper}`, `workdir=${work}`);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', opts.join(','), target]);
}

/** Unmount. */
export function umount(target: string): void {
  execFileSync('umount', [target], { stdio: 'pipe' });
}

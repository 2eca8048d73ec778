/**
 * The host's download store: tarballs that buildpacks download (Node, npm,
 * Yarn, pnpm), fetched once per host instead of once per app, shared
 * read-only by every build on the host, tenants' included.
 *
 * Contract
 * - The store is one host directory (`DownloadStore.dir`). Each entry is a
 *   regular file named `sha512-<128 hex>`, mode 0444, whose bytes have
 *   exactly that SHA-512: the name is computed by the host from the bytes it
 *   wrote, never taken from a tenant. A lookup by hash therefore returns the
 *   content of that hash or nothing, whoever put it there; no entry can be
 *   poisoned, and one tenant can only add content a lookup finds when it IS
 *   the content looked up.
 * - Build containers see it read-only at `DOWNLOADS_DIR`, named by the
 *   `TSPAAS_DOWNLOADS` environment variable (absent: no store). A buildpack
 *   that needs a tarball whose registry integrity is `sha512-<base64>` looks
 *   for `sha512-<hex>` there, verifies its copy anyway, and says so in its
 *   output (nodejs/lib/fetch.sh: "<package>@<version>: from the host's
 *   download store"). Only sha512 names exist: sha1-only tarballs are never
 *   shared.
 * - Handing over: a tarball the buildpack downloaded and verified itself it
 *   leaves in the app's cache as `CACHE_DIR/downloads/sha512-<hex>` (the
 *   outbox), and an empty `sha512-<hex>.used` for each entry it took from
 *   the store. After the build container is removed (so nothing of the
 *   tenant runs and its cache cannot change under us) and whether the build
 *   succeeded or not, `promoteDownloads` takes each outbox entry: opened with
 *   O_NOFOLLOW|O_NONBLOCK, refused unless it is a regular file with one link,
 *   at most `maxFileBytes`, really at the path it was opened by; copied into
 *   a temporary file of the store while the host hashes the bytes it copies
 *   (at most 16 files per build);
 *   refused unless that hash is its name; then fsync'd and renamed into place.
 *   Every outbox entry is removed afterwards, kept or refused; refusals are
 *   reported (the build's output says which and why).
 * - Growth: the store holds at most `maxBytes`; after each promotion the
 *   least recently used entries go first (an entry's mtime is the time it was
 *   stored or last reported used by a `.used` marker).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../lib/errors.js';

/** Where a build container sees the store (read-only), and the variable naming it. */
export const DOWNLOADS_DIR = '/tspaas/downloads';
export const DOWNLOADS_ENV = 'TSPAAS_DOWNLOADS';
/** The outbox, relative to CACHE_DIR. */
export const OUTBOX = 'downloads';

/** A host's download store. */
export interface DownloadStore {
  /** The host directory holding the entries. */
  dir: string;
  /** Total size kept; least recently used entries are removed past it (default 2 GiB). */
  maxBytes?: number;
  /** Largest file taken (default 512 MiB; Node's tarball is about 30 MB). */
  maxFileBytes?: number;
}

/** What one promotion did. */
export interface PromoteReport {
  /** Names newly stored. */
  kept: string[];
  /** Outbox entries refused (paths relative to CACHE_DIR), and why. */
  refused: Array<{ name: string; why: string }>;
  /** Names removed to stay under maxBytes. */
  pruned: string[];
}

const NAME = /^sha512-[0-9a-f]{128}$/;
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
const DEFAULT_MAX_FILE_BYTES = 512 * 1024 ** 2;
/** Files taken from one build's outbox (a Node build hands over at most two: Node and its manager). */
const MAX_ENTRIES = 16;

/** Move the verified downloads a finished build left in its cache's outbox into the store (see the contract above). */
export async function promoteDownloads(cacheDir: string, store: DownloadStore): Promise<PromoteReport> {
  const report: PromoteReport = { kept: [], refused: [], pruned: [] };
  const outbox = path.join(cacheDir, OUTBOX);
  const st = await fsp.lstat(outbox).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; });
  if (st === null) return report;
  if (!st.isDirectory()) {
    report.refused.push({ name: OUTBOX, why: 'not a directory' });
    await fsp.rm(outbox, { force: true });
    return report;
  }
  await fsp.mkdir(store.dir, { recursive: true, mode: 0o755 });
  const realOutbox = path.join(await fsp.realpath(cacheDir), OUTBOX);
  let taken = 0;
  for (const name of (await fsp.readdir(outbox)).sort()) {
    try {
      if (name.endsWith('.used')) await markUsed(store, name.slice(0, -'.used'.length));
      else if (++taken > MAX_ENTRIES) throw invalid(`more than ${MAX_ENTRIES} downloads in one build`);
      else report.kept.push(await promoteOne(path.join(realOutbox, name), name, store));
    } catch (err) {
      report.refused.push({ name: `${OUTBOX}/${name}`, why: (err as Error).message });
    } finally {
      await fsp.rm(path.join(realOutbox, name), { recursive: true, force: true });
    }
  }
  report.pruned = await pruneStore(store);
  return report;
}

/** Copy one outbox file into the store under the SHA-512 the host computes; its name. */
async function promoteOne(file: string, name: string, store: DownloadStore): Promise<string> {
  if (!NAME.test(name)) throw invalid('not named sha512-<128 hex digits>');
  const src = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    throw isErrno(err, 'ELOOP') ? invalid('a symbolic link, never followed') : err;
  });
  try {
    const st = await src.stat();
    const max = store.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!st.isFile()) throw invalid('not a regular file');
    if (st.nlink !== 1) throw invalid(`a file with ${st.nlink} hard links`);
    if (st.size > max) throw invalid(`larger than ${max} bytes`);
    if (await fsp.readlink(`/proc/self/fd/${src.fd}`) !== file) throw invalid('not at the path it was opened by');
    const temp = path.join(store.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      const digest = await copyHashing(src, temp, max);
      if (`sha512-${digest}` !== name) throw invalid(`its content's sha512 is ${digest.slice(0, 16)}…, not its name`);
      await fsp.rename(temp, path.join(store.dir, name));
    } finally {
      await fsp.rm(temp, { force: true });
    }
    return name;
  } finally {
    await src.close();
  }
}

/** Copy `src` into a new file `temp` (mode 0444, fsync'd), at most `max` bytes; the hex SHA-512 of what was written. */
async function copyHashing(src: fsp.FileHandle, temp: string, max: number): Promise<string> {
  const hash = createHash('sha512');
  const out = await fsp.open(temp, 'wx', 0o444);
  try {
    const buf = Buffer.alloc(1 << 20);
    let total = 0;
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) throw invalid(`larger than ${max} bytes`);
      hash.update(buf.subarray(0, bytesRead));
      await out.write(buf, 0, bytesRead);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** A `.used` marker: the entry it names (when the store has it) counts as just used. */
async function markUsed(store: DownloadStore, name: string): Promise<void> {
  if (!NAME.test(name)) throw invalid('not named sha512-<128 hex digits>.used');
  const now = new Date();
  await fsp.utimes(path.join(store.dir, name), now, now).catch((err: unknown) => { if (!isErrno(err, 'ENOENT')) throw err; });
}

/** Remove least recently used entries past maxBytes, and temporary files older than an hour (a crash's); the names removed. */
async function pruneStore(store: DownloadStore): Promise<string[]> {
  const entries: Array<{ name: string; size: number; mtime: number }> = [];
  for (const name of await fsp.readdir(store.dir)) {
    const st = await fsp.lstat(path.join(store.dir, name)).catch(() => null); // removed meanwhile by another build's prune
    if (st === null) continue;
    if (name.startsWith('.tmp-') && Date.now() - st.mtimeMs > 3600_000) await fsp.rm(path.join(store.dir, name), { force: true });
    if (NAME.test(name) && st.isFile()) entries.push({ name, size: st.size, mtime: st.mtimeMs });
  }
  let total = entries.reduce((n, e) => n + e.size, 0);
  const pruned: string[] = [];
  for (const e of entries.sort((a, b) => a.mtime - b.mtime)) {
    if (total <= (store.maxBytes ?? DEFAULT_MAX_BYTES)) break;
    await fsp.rm(path.join(store.dir, e.name), { force: true });
    total -= e.size;
    pruned.push(e.name);
  }
  return pruned;
}

/** The lines a build's output gets about a promotion (nothing when nothing happened), or about its failure. */
export function describePromotion(report: PromoteReport | { failed: string }): string[] {
  if ('failed' in report) return [` !     The host's download store could not take this build's downloads: ${report.failed}`];
  const lines = report.refused.map((r) => ` !     Not kept in the host's download store: ${r.name}: ${r.why}`);
  if (report.kept.length > 0) {
    lines.unshift(`       Kept ${report.kept.length} verified download${report.kept.length > 1 ? 's' : ''} in the host's download store for later builds: `
      + report.kept.map((n) => `${n.slice(0, 19)}…`).join(', '));
  }
  if (report.pruned.length > 0) lines.push(`       The host's download store removed ${report.pruned.length} least recently used entries (over its size limit)`);
  return lines;
}

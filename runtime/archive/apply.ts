/**
 * Applying layers: untrusted tar → rewriter (rules, whiteouts) → GNU tar.
 * The uncompressed stream is digested on the way, giving the diffID.
 */
import { promises as fsp } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TspaasError, isErrno } from '../../lib/errors.js';
import { DigestTap, decompress } from './compression.js';
import { spawnExtract } from './gnutar.js';
import { joinBinary } from './guard.js';
import { LayerRewriter } from './rewrite.js';
import type { AppliedLayer, ApplyOptions } from './types.js';

/**
 * Extract a layer tar (plain or gzip) into `dest` following the safe
 * extraction rules (see types.ts). In 'overlay' mode `dest` should be a fresh
 * directory; in 'apply' mode whiteouts delete from `dest` after extraction.
 */
export async function applyLayer(input: Readable, dest: string, opts: ApplyOptions): Promise<AppliedLayer> {
  const digest = new DigestTap();
  const rewriter = new LayerRewriter({ whiteouts: opts.whiteouts, dest, emit: true, owners: opts.owners });
  const tar = spawnExtract(dest);
  const flowing = pipeline(input, decompress, digest.tap, rewriter, tar.stdin);
  try {
    await Promise.all([flowing, tar.done]);
  } catch (err) {
    tar.kill();
    throw await firstMeaningful(err, flowing, tar.done);
  }
  if (opts.whiteouts === 'apply') await applyWhiteouts(dest, rewriter);
  return { diffId: digest.digest(), size: digest.size };
}

/** Check a layer tar against the extraction rules without writing anything; returns its diffID. */
export async function scanLayer(input: Readable): Promise<AppliedLayer> {
  const digest = new DigestTap();
  const rewriter = new LayerRewriter({ whiteouts: 'overlay', dest: null, emit: false });
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  await pipeline(input, decompress, digest.tap, rewriter, sink);
  return { diffId: digest.digest(), size: digest.size };
}

/** The error worth reporting: a rule violation beats tar's complaint, which beats a broken pipe. */
async function firstMeaningful(err: unknown, ...others: Promise<unknown>[]): Promise<unknown> {
  const all = [err];
  for (const p of others) await p.catch((e: unknown) => { all.push(e); });
  return all.find((e) => e instanceof TspaasError && e.kind === 'Invalid')
    ?? all.find((e) => e instanceof TspaasError) ?? err;
}

/** 'apply' mode: delete what whiteouts name, and the earlier content of opaque dirs. */
async function applyWhiteouts(dest: string, r: LayerRewriter): Promise<void> {
  for (const target of r.deletions) {
    if (r.written.has(target)) continue;
    const file = await resolveInside(dest, target);
    if (file) await fsp.rm(file, { recursive: true, force: true });
  }
  for (const dir of r.opaqueDirs) {
    const dirPath = await resolveInside(dest, dir);
    if (!dirPath || !(await fsp.lstat(dirPath)).isDirectory()) continue;
    for (const child of await fsp.readdir(dirPath, { encoding: 'buffer' })) {
      const rel = dir === '' ? child.toString('latin1') : `${dir}/${child.toString('latin1')}`;
      if (!r.written.has(rel)) await fsp.rm(joinBinary(dest, rel), { recursive: true, force: true });
    }
  }
}

/** `dest/rel` when every parent of it is a real directory; null when something is missing. */
async function resolveInside(dest: string, rel: string): Promise<Buffer | null> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    try {
      const st = await fsp.lstat(joinBinary(dest, parts.slice(0, i).join('/')));
      if (!st.isDirectory()) return null;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }
  return joinBinary(dest, rel);
}

/**
 * Overlay snapshotter (the Snapshotter contract, types.ts) under a root dir:
 *
 *   <root>/layers/<chainhex>/fs      a committed layer, unpacked in overlay form
 *   <root>/layers/<chainhex>/parent  the parent chain ID ('' for a base layer)
 *   <root>/layers/<chainhex>/link    its short name in l/
 *   <root>/l/<short>                 symlink → ../layers/<chainhex>/fs
 *   <root>/active/<key>/{upper,work} a container's writable layer
 *   <root>/empty                     the lower dir of a snapshot with no parent
 *   <root>/tmp/                      staging (emptied on open)
 *
 * Mount options name lower dirs through the short `l/` links (Docker's
 * overlay2 trick): 12 characters a layer instead of ~110, so the options of
 * deep chains stay under the kernel's one-page (4096 bytes) limit; for the
 * deepest ones `mountAll` also makes them relative to `l/` (see mount.ts).
 *
 * A layer is unpacked into tmp/ and renamed into layers/ only once complete
 * and verified, so layers/<chainhex> existing means committed. Concurrent
 * unpacks of the same chain ID in this process share one promise.
 *
 * An active snapshot's dir is a quota dir (runtime/quota) when `prepare` is
 * given a size: upper, work and init are made inside it, so all that the
 * container writes counts against its limit (overlay2 bounds its layer dir).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { conflict, invalid, isErrno, isKind, notFound } from '../../lib/errors.js';
import { exists } from '../../lib/fs.js';
import { applyLayer, changes, packLayer } from '../archive/index.js';
import type { Change } from '../archive/types.js';
import type { IdMaps } from '../archive/owners.js';
import { openDirQuota } from '../quota/detect.js';
import type { DirQuota } from '../quota/types.js';
import { chainIds } from './chain.js';
import { treeBytes } from './usage.js';
import type { Mount, Snapshotter } from './types.js';

const CHAIN_ID = /^sha256:([a-f0-9]{64})$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function hexOf(chainId: string): string {
  const m = CHAIN_ID.exec(chainId);
  if (!m) throw invalid(`malformed chain ID "${chainId}"`);
  return m[1];
}

/** The Snapshotter contract (types.ts) on overlayfs; open with `OverlaySnapshotter.open(root)`. */
export class OverlaySnapshotter implements Snapshotter {
  private readonly inflight = new Map<string, Promise<void>>();

  private constructor(readonly root: string, readonly quota: DirQuota) {}

  /** Open (creating if needed) a snapshotter under `root`; clears interrupted unpacks. Quotas from `quota` (default: what root's filesystem offers). */
  static async open(root: string, quota?: DirQuota): Promise<OverlaySnapshotter> {
    const s = new OverlaySnapshotter(root, quota ?? await openDirQuota(root, { enabled: true }));
    await fsp.rm(s.dir('tmp'), { recursive: true, force: true });
    for (const d of ['layers', 'l', 'active', 'tmp', 'empty']) await fsp.mkdir(s.dir(d), { recursive: true, mode: 0o700 });
    await s.dropDanglingLinks();
    return s;
  }

  private dir(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  private layerDir(chainId: string): string {
    return this.dir('layers', hexOf(chainId));
  }

  async unpack(diffIds: string[], open: (index: number) => Readable): Promise<string | null> {
    const chain = chainIds(diffIds);
    for (const [i, chainId] of chain.entries()) {
      await this.unpackOnce(chainId, i === 0 ? '' : chain[i - 1], diffIds[i], () => open(i));
    }
    return chain.length === 0 ? null : chain[chain.length - 1];
  }

  /** Unpack one chain ID unless done; registered before any await, so concurrent callers share the job. */
  private unpackOnce(chainId: string, parent: string, diffId: string, open: () => Readable): Promise<void> {
    const running = this.inflight.get(chainId);
    if (running) return running;
    const job = (async () => {
      if (!(await this.hasCommitted(chainId))) await this.unpackLayer(chainId, parent, diffId, open);
    })().finally(() => this.inflight.delete(chainId));
    this.inflight.set(chainId, job);
    return job;
  }

  /** Extract one layer into tmp/, verify its diffID, link it, rename it into layers/. */
  private async unpackLayer(chainId: string, parent: string, diffId: string, open: () => Readable): Promise<void> {
    const tmp = await fsp.mkdtemp(this.dir('tmp', 'unpack-'));
    const short = randomBytes(6).toString('hex');
    const link = this.dir('l', short);
    try {
      await fsp.mkdir(path.join(tmp, 'fs'), { mode: 0o755 });
      const applied = await applyLayer(open(), path.join(tmp, 'fs'), { whiteouts: 'overlay' });
      if (applied.diffId !== diffId) throw invalid(`layer content has diffID ${applied.diffId}, expected ${diffId}`);
      await fsp.writeFile(path.join(tmp, 'parent'), parent);
      await fsp.writeFile(path.join(tmp, 'link'), short);
      await fsp.symlink(path.join('..', 'layers', hexOf(chainId), 'fs'), link);
      await fsp.rename(tmp, this.layerDir(chainId));
    } catch (err) {
      await fsp.rm(link, { force: true });
      await fsp.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async hasCommitted(chainId: string): Promise<boolean> {
    return exists(this.layerDir(chainId));
  }

  async listCommitted(): Promise<string[]> {
    return (await fsp.readdir(this.dir('layers'))).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async removeCommitted(chainId: string): Promise<void> {
    const dir = this.layerDir(chainId);
    const short = await this.readMeta(chainId, 'link').catch(() => '');
    const doomed = path.join(this.root, 'tmp', `remove-${randomBytes(6).toString('hex')}`);
    try {
      await fsp.rename(dir, doomed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    if (short) await fsp.rm(this.dir('l', short), { force: true });
    await fsp.rm(doomed, { recursive: true, force: true });
  }

  async prepare(key: string, parent: string | null, opts: { sizeBytes?: number; owner?: { uid: number; gid: number } } = {}): Promise<Mount[]> {
    const dir = this.activeDir(key);
    if (parent !== null && !(await this.hasCommitted(parent))) throw notFound(`parent snapshot ${parent} is not unpacked`);
    try {
      await this.quota.create(dir, opts.sizeBytes ?? null, 0o700);
    } catch (err) {
      if (isKind(err, 'Conflict')) throw conflict(`snapshot ${key} already exists`, err);
      throw err;
    }
    try {
      await fsp.mkdir(path.join(dir, 'upper'), { mode: 0o755 });
      if (opts.owner) await fsp.chown(path.join(dir, 'upper'), opts.owner.uid, opts.owner.gid);
      await fsp.mkdir(path.join(dir, 'work'), { mode: 0o700 });
      await fsp.mkdir(path.join(dir, 'init'), { mode: 0o755 });
    } catch (err) {
      await this.quota.remove(dir);
      throw err;
    }
    return this.mounts(key, parent);
  }

  async mounts(key: string, parent: string | null): Promise<Mount[]> {
    const dir = this.activeDir(key);
    if (!(await exists(dir))) throw notFound(`no snapshot ${key}`);
    const image = parent === null ? [this.dir('empty')] : await this.shortLowers(parent);
    const init = path.join(dir, 'init');
    const lowers = (await exists(init)) ? [init, ...image] : image;
    return [{
      type: 'overlay',
      source: 'overlay',
      options: ['index=off', `lowerdir=${lowers.join(':')}`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`],
    }];
  }

  initDir(key: string): string {
    return path.join(this.activeDir(key), 'init');
  }

  async changes(key: string, parent: string | null): Promise<Change[]> {
    return changes(this.upperDir(key), await this.lowerDirs(parent));
  }

  diff(key: string, opts: { owners?: IdMaps } = {}): Readable {
    return packLayer(this.upperDir(key), opts.owners);
  }

  usage(key: string): Promise<number> {
    return treeBytes(this.upperDir(key));
  }

  /** Overlay's own, not the contract: the writable (upper) dir of an active snapshot. */
  upperDir(key: string): string {
    return path.join(this.activeDir(key), 'upper');
  }

  /** Overlay's own, not the contract: the unpacked dirs of a chain, top-first (the init layer not included). */
  async lowerDirs(parent: string | null): Promise<string[]> {
    return (await this.chainOf(parent)).map((c) => path.join(this.layerDir(c), 'fs'));
  }

  async listActive(): Promise<string[]> {
    return (await fsp.readdir(this.dir('active'))).filter((k) => KEY.test(k));
  }

  async remove(key: string): Promise<void> {
    await this.quota.remove(this.activeDir(key));
  }

  private activeDir(key: string): string {
    if (!KEY.test(key)) throw invalid(`malformed snapshot key "${key}"`);
    return this.dir('active', key);
  }

  chain(top: string): Promise<string[]> {
    return this.chainOf(top);
  }

  /** Chain IDs from `top` down to the base layer. */
  private async chainOf(top: string | null): Promise<string[]> {
    const chain: string[] = [];
    for (let c = top; c; c = (await this.readMeta(c, 'parent')) || null) chain.push(c);
    return chain;
  }

  /** `<root>/l/<short>` of each layer of a chain, top-first. */
  private async shortLowers(top: string): Promise<string[]> {
    const chain = await this.chainOf(top);
    return Promise.all(chain.map(async (c) => this.dir('l', await this.readMeta(c, 'link'))));
  }

  private async readMeta(chainId: string, name: 'parent' | 'link'): Promise<string> {
    try {
      return (await fsp.readFile(path.join(this.layerDir(chainId), name), 'utf8')).trim();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`snapshot ${chainId} is not unpacked`, err);
      throw err;
    }
  }

  /** Short links whose layer is gone (an unpack or removal cut short). */
  private async dropDanglingLinks(): Promise<void> {
    for (const name of await fsp.readdir(this.dir('l'))) {
      if (!(await exists(path.join(this.dir('l', name), '.')).catch(() => false))) await fsp.rm(this.dir('l', name), { force: true });
    }
  }
}

/** Open the overlay snapshotter kept under `root`, bounding writable layers with `quota`. */
export async function openSnapshotter(root: string, quota?: DirQuota): Promise<Snapshotter> {
  return OverlaySnapshotter.open(root, quota);
}

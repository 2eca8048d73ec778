/**
 * The build cache as data: one small JSON file per cache key under
 * `<engine root>/build/cache/<key>.json`, holding the image the step made
 * and that image's config and layers. A hit returns the image when it is
 * still in the store; when it was pruned but its layers are still stored,
 * the same config is written again (same bytes, so the same image ID); when
 * a layer is gone too, the entry is dropped and the step runs again. So an
 * image prune can cost a rebuild but never yields a broken cache hit.
 *
 * A scope's dir is made and removed through `CacheDirs` (part 5, storage
 * quota): the engine makes each a quota dir, so no scope grows past its bound.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno, isKind } from '../../lib/errors.js';
import { exists } from '../../lib/fs.js';
import type { Image, ImageConfig, ImageStore, Layer } from '../images/types.js';

interface Entry {
  imageId: string;
  config: ImageConfig;
  layers: Layer[];
}

const SCOPE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** How a cache dir is made (its parent exists) and removed: plain dirs, or quota dirs (runtime/quota). */
export interface CacheDirs {
  create(dir: string): Promise<void>;
  remove(dir: string): Promise<void>;
}

/** Plain dirs, no bound. */
export const PLAIN_CACHE_DIRS: CacheDirs = {
  create: async (dir) => { await fsp.mkdir(dir, { mode: 0o700 }); },
  remove: (dir) => fsp.rm(dir, { recursive: true, force: true }),
};

/** The index dir of a build cache scope (`root` for none); `Invalid` for a scope name that is not one. */
export function cacheDir(root: string, scope: string | undefined): string {
  if (scope === undefined) return root;
  if (!SCOPE.test(scope)) throw invalid(`build cache scope ${JSON.stringify(scope)}: use 1-128 of A-Z a-z 0-9 _ . - starting with a letter or digit`);
  return path.join(root, 'scopes', scope);
}

/** sha256 of the parts, each length-prefixed so no two lists collide. */
export function cacheKey(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p}\n`);
  return h.digest('hex');
}

export class BuildCache {
  constructor(private readonly dir: string, private readonly images: ImageStore, private readonly dirs: CacheDirs = PLAIN_CACHE_DIRS) {}

  /** The image cached under `key`, or null. */
  async get(key: string): Promise<Image | null> {
    const entry = await this.read(key);
    if (!entry) return null;
    const image = await this.images.get(entry.imageId).catch((err) => {
      if (isKind(err, 'NotFound')) return null;
      throw err;
    });
    if (image) return image;
    // The image was removed: it comes back from its layers, unless they went too (a prune), which is a
    // plain miss. Any other failure (a full disk, a broken store) is the build's to report.
    const restored = await this.images.writeImage(entry.config, entry.layers).catch((err: unknown) => {
      if (isKind(err, 'NotFound') || isKind(err, 'Invalid')) return null;
      throw err;
    });
    if (restored?.id === entry.imageId) return restored;
    await fsp.rm(this.file(key), { force: true });
    return null;
  }

  /** Remember that `key` made `image`. */
  async put(key: string, image: Image): Promise<void> {
    const entry: Entry = { imageId: image.id, config: image.config, layers: image.layers };
    if (!(await exists(this.dir))) {
      await fsp.mkdir(path.dirname(this.dir), { recursive: true, mode: 0o700 });
      await this.dirs.create(this.dir).catch((err: unknown) => { if (!isKind(err, 'Conflict') && !isErrno(err, 'EEXIST')) throw err; });
    }
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(entry));
    await fsp.rename(tmp, this.file(key));
  }

  /** Forget every entry (`POST /build/prune`; scopes under it too); returns how many went and the images they named. */
  async clear(): Promise<{ entries: number; imageIds: string[] }> {
    const names = (await fsp.readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
    const entries = await Promise.all(names.map((n) => this.read(n.slice(0, -'.json'.length))));
    // Each scope's quota goes with its dir (the unscoped root holds them under scopes/).
    for (const scope of await fsp.readdir(path.join(this.dir, 'scopes')).catch(() => [] as string[])) {
      await this.dirs.remove(path.join(this.dir, 'scopes', scope));
    }
    await this.dirs.remove(this.dir);
    return { entries: names.length, imageIds: [...new Set(entries.flatMap((e) => (e ? [e.imageId] : [])))] };
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private async read(key: string): Promise<Entry | null> {
    try {
      return JSON.parse(await fsp.readFile(this.file(key), 'utf8')) as Entry;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
      throw err;
    }
  }
}

/**
 * Drop the cache scope `scope` under `root` and remove the intermediate
 * images its entries named, unless tagged or used by a container (`inUse`).
 */
export async function pruneScope(root: string, scope: string, images: ImageStore, inUse: (imageId: string) => boolean, dirs?: CacheDirs):
  Promise<{ entries: number; imagesDeleted: string[] }> {
  const { entries, imageIds } = await new BuildCache(cacheDir(root, scope), images, dirs).clear();
  const imagesDeleted: string[] = [];
  for (const id of imageIds) {
    const image = await images.get(id).catch((err: unknown) => { if (isKind(err, 'NotFound')) return null; throw err; });
    if (!image || image.repoTags.length > 0 || inUse(image.id)) continue;
    await images.remove(image.id, { isInUse: inUse });
    imagesDeleted.push(image.id);
  }
  return { entries, imagesDeleted };
}

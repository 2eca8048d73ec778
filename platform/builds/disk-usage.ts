/**
 * Issue 17, part 1: what an app's builds hold on disk, for its team's disk
 * quota (control/quotas.ts). Counted: the image blobs of every image tagged
 * `tspaas/<app>` or written by the app's build scope (the Dockerfile build
 * cache's intermediate images), each layer once, as stored; and the files of
 * its buildpack cache. Not counted: unpacked snapshots (the engine's
 * working copies, at most the layers again), running containers' writable
 * layers (bounded per container by the plan's disk: scheduler/disk.ts), and
 * the host-wide download store (no app's own).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import { BUILD_SCOPE_LABEL } from '../../runtime/build/types.js';
import type { Engine } from '../../runtime/types.js';
import type { App } from '../types.js';

/** Bytes of the app's images (each blob once) and of its buildpack cache `<cacheRoot>/<app>`. */
export async function appDiskUsage(engine: Engine, cacheRoot: string, app: App, scope: string): Promise<{ imageBytes: number; cacheBytes: number }> {
  const images = (await engine.images.list()).filter((i) =>
    i.repoTags.some((t) => t.startsWith(`tspaas/${app.name}:`)) || i.config.config?.Labels?.[BUILD_SCOPE_LABEL] === scope);
  const blobs = new Map<string, number>();
  for (const image of images) for (const layer of image.layers) blobs.set(layer.descriptor.digest, layer.descriptor.size);
  const imageBytes = [...blobs.values()].reduce((n, size) => n + size, 0);
  return { imageBytes, cacheBytes: await treeBytes(path.join(cacheRoot, app.name)) };
}

/** Bytes of the regular files under `dir` (0 when it does not exist); symlinks are not followed. */
export async function treeBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return 0;
    throw err;
  }
  let total = 0;
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile()) total += await fileBytes(p);
  }
  return total;
}

/** A file's size; 0 when it went away since it was listed (a build writing its cache). */
async function fileBytes(file: string): Promise<number> {
  try {
    return (await fsp.lstat(file)).size;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
}

/**
 * Disk bounds of builds (issue 13, part 5): what `buildImage` gets to bound
 * each build container's writable layer and each cache scope's dir, from the
 * engine's quota backend and its `storageQuota` configuration.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { EngineConfig } from '../types.js';
import type { DirQuota } from '../quota/types.js';
import type { BuildDeps } from './state.js';

/** Bound of each build cache scope dir when the configuration names none. */
export const DEFAULT_BUILD_CACHE_SIZE = 1024 ** 3;
/** Bound of a build container's writable layer (what one step writes) when the configuration names none. */
export const DEFAULT_BUILD_LAYER_SIZE = 10 * 1024 ** 3;

/** The build deps that bound disk; nothing is bounded when the backend is `none`. */
export function buildDiskDeps(quota: DirQuota, config: EngineConfig['storageQuota'] = {}): Pick<BuildDeps, 'cacheDirs' | 'layerSize'> {
  const bounded = quota.backend !== 'none';
  const scopeBytes = bounded ? config.buildCacheSize ?? DEFAULT_BUILD_CACHE_SIZE : 0;
  return {
    layerSize: bounded ? config.buildLayerSize ?? DEFAULT_BUILD_LAYER_SIZE : undefined,
    cacheDirs: {
      // Scope dirs (cache/scopes/<scope>) are quota dirs; the unscoped root and scopes/ stay plain.
      create: (dir) => (path.basename(path.dirname(dir)) === 'scopes' ? quota.create(dir, scopeBytes, 0o700) : fsp.mkdir(dir, { mode: 0o700 }).then(() => undefined)),
      remove: (dir) => quota.remove(dir),
    },
  };
}

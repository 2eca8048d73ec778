/** `--storage-opt` (part 5, storage quota): the writable layer's size limit of a container. */
import { invalid } from '../../lib/errors.js';
import { parseBytes } from '../../lib/bytes.js';
import type { DirQuota } from '../quota/types.js';

/**
 * The bytes the writable layer is bounded to (undefined = unbounded): the
 * `size` storage option, else the engine's default. `Invalid` for another
 * option, a bad size, or a size the store cannot enforce — said loudly, as
 * Docker refuses `--storage-opt` on a filesystem without project quotas.
 */
export function writableLayerSize(storageOpt: Record<string, string> | undefined, quota: DirQuota, defaultSize = 0): number | undefined {
  for (const key of Object.keys(storageOpt ?? {})) {
    if (key !== 'size') throw invalid(`--storage-opt ${key} is not supported: the only storage option is size (e.g. --storage-opt size=10G)`);
  }
  const asked = storageOpt?.size;
  const bytes = asked === undefined ? (quota.backend === 'none' ? 0 : defaultSize) : parseBytes(asked, '--storage-opt size');
  if (bytes === 0) return undefined;
  if (quota.backend === 'none') throw invalid(`--storage-opt size is not supported here: ${quota.reason} (see docs/engine.md, "Disk quotas")`);
  if (bytes < 1024 * 1024) throw invalid(`--storage-opt size=${asked}: the minimum is 1M`);
  return bytes;
}

/** Volume driver options (part 5, storage quota): Podman's `--opt o=size=…` for a bounded volume. */
import { invalid } from '../../lib/errors.js';
import { parseBytes } from '../../lib/bytes.js';
import type { DirQuota } from '../quota/types.js';

/**
 * The size limit asked by `options` (undefined = unbounded). Only `o` is
 * known, and in it only `size=` (as `podman volume create --opt o=size=10G`,
 * which Podman enforces with XFS quotas); the mounting options of Docker's
 * local driver (`type`, `device`, other `o` items) are refused, as is a size
 * the store cannot enforce.
 */
export function volumeSize(options: Record<string, string>, quota: DirQuota): number | undefined {
  let bytes: number | undefined;
  for (const [key, value] of Object.entries(options)) {
    if (key !== 'o') throw invalid(`volume option "${key}" is not supported: the only option is o=size=<size> (e.g. --opt o=size=10G)`);
    for (const item of value.split(',')) {
      const [k, v] = item.split('=', 2);
      if (k !== 'size' || v === undefined) throw invalid(`volume option o=${value}: only size=<size> is supported (e.g. --opt o=size=10G)`);
      bytes = parseBytes(v, 'volume size');
    }
  }
  if (!bytes) return undefined;
  if (quota.backend === 'none') throw invalid(`volume size is not supported here: ${quota.reason} (see docs/engine.md, "Disk quotas")`);
  return bytes;
}

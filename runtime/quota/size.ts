/** Sizes of `--storage-opt size=…` and volume `o=size=…`, in Docker's units. */
import { invalid } from '../../lib/errors.js';

/**
 * "10G", "512m", "1.5GiB", "4096" → bytes, with binary units like Docker's
 * `units.RAMInBytes` (which `--storage-opt size` uses); `Invalid` otherwise.
 */
export function parseStorageSize(what: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)(i?b)?$/i.exec(value.trim());
  if (!m) throw invalid(`invalid ${what} "${value}": use a number with an optional unit b, k, m, g, t (e.g. 10G)`);
  const bytes = Math.round(Number(m[1]) * 1024 ** 'bkmgtp'.indexOf((m[2] || 'b').toLowerCase()));
  if (!Number.isSafeInteger(bytes)) throw invalid(`invalid ${what} "${value}": too large`);
  return bytes;
}

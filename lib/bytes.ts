/**
 * Sizes as users write them, one rule everywhere (`--memory`, `--storage-opt
 * size`, volume `o=size`, a plan's memory and disk, a process size in the
 * API or app.json): Docker's `units.RAMInBytes` (go-units size.go): a number,
 * decimals allowed (`1.5g`, as `docker run --memory 1.5g` takes), then an
 * optional binary unit b, k, m, g, t or p, optionally followed by `i`/`b`
 * (`512m`, `512M`, `512mb`, `2GiB`); no unit = bytes. As Docker does, the
 * result is truncated to whole bytes.
 */
import { invalid } from './errors.js';

const SIZE = /^(\d+(?:\.\d+)?) ?([bkmgtp])?i?b?$/i;
const POWERS = 'bkmgtp';

/** Bytes of a size like `512M` or `1.5G`; Invalid (naming `what`) when malformed or past 2^53. */
export function parseBytes(text: string, what = 'size'): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw invalid(`invalid ${what} "${text}": use a number with an optional unit b, k, m, g, t or p (like 512M or 1.5G)`);
  const bytes = Math.floor(Number(m[1]) * 1024 ** POWERS.indexOf((m[2] ?? 'b').toLowerCase()));
  if (!Number.isSafeInteger(bytes)) throw invalid(`invalid ${what} "${text}": too large`);
  return bytes;
}

/** Bytes as people read them: `512 MiB`, `7.6 GiB`. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} B`;
}

/**
 * Memory sizes as users write them: `512M`, `1G`, `256m`, `65536k`.
 */
import { invalid } from '../../lib/errors.js';

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** The schema's smallest process: 4 MiB. */
const MIN_BYTES = 4 * 1024 * 1024;

/** Bytes of a size like `512M`; Invalid when malformed or under 4M. */
export function parseSize(size: string): number {
  const m = /^([0-9]+)([kmg])$/i.exec(size.trim());
  if (!m) throw invalid(`${size} is not a size (like 512M or 1G)`);
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (bytes < MIN_BYTES) throw invalid(`${size} is too small (at least 4M)`);
  if (bytes > 1024 ** 4) throw invalid(`${size} is too large`);
  return bytes;
}

/** The version of the tspaas package a program runs from. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The version in the nearest package.json at or above `dir` (works from dist/ and from source); 0.0.0 when none is found. */
export function packageVersion(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    try {
      return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { version: string }).version;
    } catch { /* none here, or unreadable: keep looking upwards */ }
  }
  return '0.0.0';
}

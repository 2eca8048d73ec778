/**
 * `container prune`: which stopped containers go (Docker's filters `until`,
 * `label`, `label!`) and how much space their writable layers held.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Container } from './types.js';
import { matchesPruneFilter, type PruneFilter } from '../../lib/labels.js';

const PRUNABLE = new Set(['exited', 'created', 'dead']);

/** Whether a container is stopped and matches the filter. */
export function prunable(c: Container, f: PruneFilter): boolean {
  return PRUNABLE.has(c.state.status) && matchesPruneFilter(c.record.created, c.record.config.Labels ?? {}, f);
}

/** Bytes of the regular files under `dir` (a writable layer), each hard-linked file once; 0 for a missing dir. */
export async function treeBytes(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const st = await fsp.lstat(p).catch(() => null);
        if (st && !seen.has(`${st.dev}:${st.ino}`)) { seen.add(`${st.dev}:${st.ino}`); total += st.size; }
      }
    }
  };
  await walk(dir);
  return total;
}

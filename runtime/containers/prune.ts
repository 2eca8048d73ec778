/**
 * `container prune`: which stopped containers go (Docker's filters `until`,
 * `label`, `label!`) and how much space their writable layers held.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Container } from './types.js';
import { hasLabel } from '../../lib/labels.js';

/** What `container prune --filter` asks for, parsed by the edge. */
export interface ContainerPruneFilter {
  /** Only containers created before this time (unix seconds). */
  until?: number;
  /** Only containers with every one of these labels (`key` or `key=value`). */
  labels?: string[];
  /** Only containers with none of these labels (`label!=key` or `key=value`). */
  notLabels?: string[];
}

const PRUNABLE = new Set(['exited', 'created', 'dead']);

/** Whether a container is stopped and matches the filter. */
export function prunable(c: Container, f: ContainerPruneFilter): boolean {
  if (!PRUNABLE.has(c.state.status)) return false;
  const labels = c.record.config.Labels ?? {};
  if (f.until !== undefined && Date.parse(c.record.created) / 1000 >= f.until) return false;
  if ((f.labels ?? []).some((l) => !hasLabel(labels, l))) return false;
  return !(f.notLabels ?? []).some((l) => hasLabel(labels, l));
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

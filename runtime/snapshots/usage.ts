/** Disk usage of a writable layer, as `container prune` reports reclaimed space. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Bytes of the regular files under `dir`, each hard-linked file once; 0 for a missing dir. */
export async function treeBytes(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    // A dir or file gone meanwhile (the layer is being removed) counts as nothing, not as a failure.
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

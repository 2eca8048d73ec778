/**
 * Garbage collection of committed snapshots: a layer unpacked for a
 * container stays on disk after its image is removed unless something takes
 * it away (Docker removes an image's layers with the image). A committed
 * snapshot is kept when a stored image's layer chain passes through it or a
 * container's root stands on it; every other one goes.
 */
import { chainIds } from './chain.js';
import type { Snapshotter } from './types.js';

/** What still needs snapshots: each stored image's diff IDs (bottom-first), each container's parent chain ID. */
export interface SnapshotUsers {
  imageLayers: string[][];
  containerParents: Array<string | null>;
}

/** Remove the committed snapshots nothing uses; returns the chain IDs removed. */
export async function collectSnapshots(snapshots: Snapshotter, users: SnapshotUsers): Promise<string[]> {
  const keep = new Set(users.imageLayers.flatMap((diffIds) => chainIds(diffIds)));
  for (const parent of users.containerParents) {
    if (parent !== null) for (const c of await snapshots.chain(parent)) keep.add(c);
  }
  const removed: string[] = [];
  for (const c of await snapshots.listCommitted()) {
    if (keep.has(c)) continue;
    await snapshots.removeCommitted(c);
    removed.push(c);
  }
  return removed;
}

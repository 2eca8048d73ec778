/**
 * Owner shifting for containers in a user namespace (issue 13, part 2: user
 * namespaces). Such a container's writable layer holds *host* ids (container
 * root = host uid 100000, say), while layers and tars hold *container* ids
 * (root = 0). Whatever packs a container's files into a tar shifts host →
 * container; whatever extracts a tar into a container shifts container → host.
 */
import { invalid } from '../../lib/errors.js';
import type { TarEntry } from './tarheader.js';

/** One line of /proc/<pid>/uid_map: container ids [containerId, containerId+size) are host ids [hostId, hostId+size). */
export interface IdMapping {
  containerId: number;
  hostId: number;
  size: number;
}

/** The uid and gid maps of a user namespace. */
export interface IdMaps {
  uidMap: IdMapping[];
  gidMap: IdMapping[];
}

/** The id the kernel shows for a host id that no mapping covers (/proc/sys/kernel/overflowuid). */
export const OVERFLOW_ID = 65534;

/** Host id of container id `id`; `Invalid` when the map does not cover it (nothing could own such a file). */
export function hostIdOf(map: IdMapping[], id: number, what = 'uid'): number {
  const m = map.find((r) => id >= r.containerId && id < r.containerId + r.size);
  if (!m) throw invalid(`${what} ${id} is outside the container's user namespace`);
  return m.hostId + (id - m.containerId);
}

/** Container id of host id `id`; the overflow id (65534, "nobody") when the map does not cover it, as the kernel shows it. */
export function containerIdOf(map: IdMapping[], id: number): number {
  const m = map.find((r) => id >= r.hostId && id < r.hostId + r.size);
  return m ? m.containerId + (id - m.hostId) : OVERFLOW_ID;
}

/** Rewrite a tar entry's owner from host ids to container ids (packing a container's files). */
export function entryToContainer(e: TarEntry, maps: IdMaps): TarEntry {
  return { ...e, uid: containerIdOf(maps.uidMap, e.uid), gid: containerIdOf(maps.gidMap, e.gid) };
}

/** Rewrite a tar entry's owner (in place) from container ids to host ids (extracting into a container). */
export function entryToHost(e: TarEntry, maps: IdMaps): void {
  e.uid = hostIdOf(maps.uidMap, e.uid, `layer entry "${e.name}": uid`);
  e.gid = hostIdOf(maps.gidMap, e.gid, `layer entry "${e.name}": gid`);
}

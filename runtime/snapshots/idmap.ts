/**
 * Idmapped overlay mounts (issue 13, part 2: user namespaces).
 *
 * A container in a user namespace must see its image's files owned by its
 * own root, while the layers stay shared and unchanged on disk. The kernel
 * does this with *idmapped mounts* (Linux 5.12+; overlayfs over idmapped
 * lower layers since 5.19): each lower dir is cloned (`open_tree`), given
 * the container's id mapping (`mount_setattr(MOUNT_ATTR_IDMAP)` with a user
 * namespace that has the mapping), attached under a scratch dir
 * (`move_mount`), and the overlay is mounted over those clones. overlayfs
 * keeps private clones of its layers, so the scratch mounts are detached
 * right after: nothing stays to clean up but the overlay itself.
 *
 * The upper dir is not idmapped: it holds host ids (the container's root
 * writes as host uid 100000, say), like podman's upper dirs; packing and
 * extracting shift owners (archive/owners.ts).
 *
 * Node cannot make these syscalls and util-linux 2.38's mount(8) has no
 * `X-mount.idmap` (2.39 has), so the resident syscall helper makes them
 * (lib/syscalls.ts: a child unshares a user namespace with the maps, each
 * layer is cloned with `open_tree`, idmapped and attached, the overlay is
 * mounted, the clones are detached; a failure undoes the attached ones).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { idmappedOverlay } from '../../lib/syscalls.js';
import { unavailable } from '../../lib/errors.js';
import type { IdMaps, IdMapping } from '../archive/owners.js';
import type { Mount } from './types.js';

/** `0 100000 65536\n…`: a map as /proc/<pid>/uid_map takes it. */
export function mapLines(map: IdMapping[]): string {
  return map.map((m) => `${m.containerId} ${m.hostId} ${m.size}\n`).join('');
}

/**
 * Mount an overlay `m` at `target` with every lower dir idmapped by `maps`;
 * `scratch` is a dir of this container's own for the transient mounts.
 * `fit` turns the option list into the kernel's string (and a cwd for very
 * deep chains), as mount.ts does for plain overlays. The caller makes sure
 * nothing is mounted under `scratch` (a stale clone).
 */
export async function mountIdmappedOverlay(
  m: Mount, target: string, maps: IdMaps, scratch: string,
  fit: (options: string[]) => { options: string; cwd?: string },
): Promise<void> {
  const i = m.options.findIndex((o) => o.startsWith('lowerdir='));
  const lowers = m.options[i].slice('lowerdir='.length).split(':');
  const clones = lowers.map((_, n) => path.join(scratch, String(n)));
  for (const dir of clones) await fsp.mkdir(dir, { recursive: true });
  const options = [...m.options];
  options[i] = `lowerdir=${clones.join(':')}`;
  const { options: data, cwd } = fit(options);
  const pairs = lowers.flatMap((l, n) => [l, clones[n]]);
  await idmappedOverlay(mapLines(maps.uidMap), mapLines(maps.gidMap), target, data, pairs, cwd).catch((err: unknown) => {
    throw unavailable(`idmapped mount of ${target} failed: ${err instanceof Error ? err.message : String(err)}`, err);
  });
}

/**
 * User namespaces of containers (issue 13, part 2).
 *
 * A container either shares the host's user namespace (Docker's default:
 * `userns` absent or 'host') or gets its own, where container root is an
 * unprivileged host uid: `auto` (podman's `--userns=auto`) picks a free
 * range of 65536 host ids from the engine's pool at create; an explicit map
 * (what the platform gives: one range per team) is taken as given. Either
 * way the record keeps the resolved map, so every start, exec, commit and
 * copy uses the same ids. The rootfs is mounted with idmapped lower layers
 * (snapshots/idmap.ts); the upper dir holds host ids and tars shift them
 * (archive/owners.ts).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, unavailable } from '../../lib/errors.js';
import type { IdMapping, IdMaps } from '../archive/owners.js';
import type { IdmapRoot } from '../snapshots/mount.js';
import type { ContainerContext } from './context.js';
import type { UsernsPool } from '../types.js';
import type { ContainerRecord, CreateOptions, UsernsMap, UsernsOption } from './types.js';

/** Default pool: from 100000 (where /etc/subuid entries usually start) for 8192 ranges of 65536, below 2^30 (the platform's team ranges start at 2^30). */
export const DEFAULT_USERNS_POOL: UsernsPool = { start: 100000, end: 100000 + 8192 * 65536, size: 65536 };

const MAX_ID = 2 ** 32 - 2;

/** Docker's `HostConfig.UsernsMode` → the option: "" and "host" = the host's, "auto" = a range from the pool. */
export function parseUsernsMode(mode: string | undefined): UsernsOption | undefined {
  if (!mode) return undefined;
  if (mode === 'host' || mode === 'auto') return mode;
  throw invalid(`invalid UsernsMode "${mode}": use "host" or "auto"`);
}

/** What inspect shows as `HostConfig.UsernsMode`. */
export function usernsModeOf(o: CreateOptions): string {
  if (!o.userns || o.userns === 'host') return o.userns ?? '';
  return o.userns === 'auto' || o.userns.auto ? 'auto' : 'private';
}

/** The resolved maps of a container, or undefined when it shares the host's user namespace. */
export function usernsOf(o: Pick<CreateOptions, 'userns'>): UsernsMap | undefined {
  return typeof o.userns === 'object' ? o.userns : undefined;
}

/** What `rootfs.acquire` needs for a container in a user namespace (undefined for the host's). */
export function idmapRootOf(rec: Pick<ContainerRecord, 'id' | 'options'>, rootfs: string): IdmapRoot | undefined {
  const maps = usernsOf(rec.options);
  return maps ? { maps, scratch: path.join(path.dirname(rootfs), 'idmap') } : undefined;
}

/** Container root's host uid and gid. */
export function hostRootOf(maps: IdMaps): { uid: number; gid: number } {
  const at0 = (m: IdMapping[]) => m.find((r) => r.containerId === 0)!.hostId;
  return { uid: at0(maps.uidMap), gid: at0(maps.gidMap) };
}

/** Ranges reserved by creates still under way, per engine (they are in no record yet). */
const pending = new WeakMap<ContainerContext, Set<number>>();

/**
 * The create options with `userns` resolved (an `auto` range picked) and
 * checked, and a release for the reservation once the record is stored.
 * Synchronous up to the reservation, so concurrent creates never share a range.
 */
export function resolveUserns(ctx: ContainerContext, o: CreateOptions, pool: UsernsPool): { options: CreateOptions; release: () => void } {
  const none = { options: o, release: () => undefined };
  if (!o.userns || o.userns === 'host') return none;
  if (o.privileged) throw invalid('privileged containers cannot run in a user namespace (use --userns=host)');
  if (ctx.defaultRuntime !== 'crun') throw unavailable(`user namespaces need crun; ${ctx.defaultRuntime} cannot mount /sys in the container's network namespace from one`);
  if (o.userns !== 'auto') {
    checkMap(o.userns.uidMap, 'uid');
    checkMap(o.userns.gidMap, 'gid');
    return none;
  }
  const taken = pending.get(ctx) ?? new Set<number>();
  pending.set(ctx, taken);
  const used = usedStarts(ctx, taken, pool.size);
  for (let start = pool.start; start + pool.size <= pool.end; start += pool.size) {
    if (used.some(([s, n]) => s < start + pool.size && start < s + n)) continue;
    taken.add(start);
    const map = [{ containerId: 0, hostId: start, size: pool.size }];
    return { options: { ...o, userns: { uidMap: map, gidMap: map, auto: true } }, release: () => taken.delete(start) };
  }
  throw unavailable(`no free range of ${pool.size} ids left in the user namespace pool ${pool.start}-${pool.end - 1}`);
}

/** [host start, size] of every uid range in use by a container or a pending create. */
function usedStarts(ctx: ContainerContext, taken: Set<number>, size: number): [number, number][] {
  const used: [number, number][] = [...taken].map((s) => [s, size]);
  for (const c of ctx.store.list()) for (const m of usernsOf(c.record.options)?.uidMap ?? []) used.push([m.hostId, m.size]);
  return used;
}

/** A given map: whole ids, covering container id 0, never host id 0 (that would be host root), not overlapping itself. */
function checkMap(map: IdMapping[], what: string): void {
  if (!Array.isArray(map) || map.length === 0 || map.length > 340) throw invalid(`the ${what} map needs 1 to 340 ranges`);
  for (const m of map) {
    if (![m.containerId, m.hostId, m.size].every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_ID) || m.size < 1) {
      throw invalid(`invalid ${what} mapping ${JSON.stringify(m)}`);
    }
    if (m.hostId === 0) throw invalid(`the ${what} map must not include host ${what} 0`);
  }
  if (!map.some((m) => m.containerId === 0)) throw invalid(`the ${what} map must map container ${what} 0`);
  const sorted = [...map].sort((a, b) => a.containerId - b.containerId);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].containerId < sorted[i - 1].containerId + sorted[i - 1].size) throw invalid(`the ${what} map has overlapping ranges`);
  }
}

/**
 * An empty named volume still owned by host root goes to the container's
 * root, as Docker's userns-remap creates volumes for the remapped root;
 * a volume with data keeps its owners (another container's files).
 */
export async function ownFreshVolume(dir: string, maps: IdMaps): Promise<void> {
  const st = await fsp.stat(dir);
  if (st.uid !== 0 || st.gid !== 0 || (await fsp.readdir(dir)).length > 0) return;
  const root = hostRootOf(maps);
  await fsp.chown(dir, root.uid, root.gid);
}

/** Give the host files bind-mounted into the container (/etc/hosts…) to its root, as Docker's userns-remap does. */
export async function ownEtcFiles(files: string[], maps: IdMaps | undefined): Promise<void> {
  if (!maps) return;
  const root = hostRootOf(maps);
  for (const f of files) await fsp.chown(f, root.uid, root.gid);
}

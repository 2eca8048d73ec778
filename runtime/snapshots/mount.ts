/**
 * Performing the `Mount`s a snapshotter returns: mount(2) and umount2(2),
 * made by the resident syscall helper (lib/syscalls.ts), not a mount(8) run
 * per call.
 *
 * The kernel takes mount options as one page (4096 bytes, NUL included). When
 * an overlay's options are longer (very deep layer chains), the lower dirs are
 * rewritten relative to their common parent and the mount is made from there: the
 * kernel resolves relative lowerdir paths against the mounting process's cwd
 * (containerd does the same). With the snapshotter's short `l/` links that
 * leaves ~13 bytes a layer: some 300 layers fit, near overlay's own 500-layer limit.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno, unavailable } from '../../lib/errors.js';
import * as sys from '../../lib/syscalls.js';
import type { Mount } from './types.js';
import type { IdMaps } from '../archive/owners.js';
import { mountIdmappedOverlay } from './idmap.js';

/** A root for a container in a user namespace: its overlay's lower dirs idmapped by `maps` (idmap.ts), transient mounts under `scratch`. */
export interface IdmapRoot {
  maps: IdMaps;
  scratch: string;
}

/** Longest option string the kernel accepts (one page minus the NUL). */
export const MAX_MOUNT_OPTIONS = 4095;

/** Mount every mount on `target`, in order; on failure the ones done are undone. `idmap`: overlays get idmapped lower dirs. */
export async function mountAll(mounts: Mount[], target: string, idmap?: IdmapRoot): Promise<void> {
  const done: number[] = [];
  try {
    for (const [i, m] of mounts.entries()) {
      if (idmap && m.type === 'overlay') await mountIdmapped(m, target, idmap);
      else await mountOne(m, target);
      done.push(i);
    }
  } catch (err) {
    // Roll-back: the mount error is the one to report; a mount left here is the caller's to sweep (recovery unmounts stale roots).
    for (let j = done.length - 1; j >= 0; j--) await unmount(target).catch(() => undefined);
    throw err;
  }
}

/** Never left mounted, but never mount over a stale clone either. */
async function mountIdmapped(m: Mount, target: string, idmap: IdmapRoot): Promise<void> {
  await detachMountsUnder(idmap.scratch);
  await mountIdmappedOverlay(m, target, idmap.maps, idmap.scratch, fitOptions);
}

async function mountOne(m: Mount, target: string): Promise<void> {
  if (m.type === 'bind' || m.options.includes('bind') || m.options.includes('rbind')) return bindMount(m, target);
  const { flags, data } = splitOptions(m.options);
  const { options, cwd } = fitOptions(data);
  await sys.mount(m.source, target, m.type, flags, options, cwd).catch((err: unknown) => { throw failed(`mount -t ${m.type} on ${target}`, err); });
}

/** A bind mount (recursive for `rbind`), remounted with its flags (`ro`, `nosuid`, …) when it has any, as mount(8) does. */
async function bindMount(m: Mount, target: string): Promise<void> {
  const rest = m.options.filter((o) => o !== 'bind' && o !== 'rbind');
  const propagation = rest.filter((o) => o in PROPAGATION);
  const { flags, data } = splitOptions(rest.filter((o) => !(o in PROPAGATION)));
  if (data.length > 0) throw invalid(`bind mount of ${m.source}: unsupported options ${data.join(',')}`);
  const bind = sys.MS_BIND | (m.options.includes('rbind') ? sys.MS_REC : 0);
  await sys.mount(m.source, target, '', bind, '').catch((err: unknown) => { throw failed(`bind mount of ${m.source} on ${target}`, err); });
  const steps = [...(flags ? [sys.MS_REMOUNT | sys.MS_BIND | flags] : []), ...propagation.map((o) => PROPAGATION[o])];
  for (const step of steps) {
    await sys.mount('', target, '', step, '').catch(async (err: unknown) => {
      await unmount(target).catch(() => undefined); // roll-back: the remount error is the one to report
      throw failed(`remount of ${target} (${rest.join(',')})`, err);
    });
  }
}

/** Propagation options, each its own mount(2) call as mount(8) makes it. */
const PROPAGATION: Record<string, number> = Object.fromEntries(
  Object.entries({ private: sys.MS_PRIVATE, slave: sys.MS_SLAVE, shared: sys.MS_SHARED })
    .flatMap(([name, flag]) => [[name, flag], [`r${name}`, flag | sys.MS_REC]]),
);

/** mount(8)'s split of an option list: flag names become mount(2) flags (`rw` is none), the rest is the filesystem's data. */
function splitOptions(options: string[]): { flags: number; data: string[] } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    if (o === 'rw' || o === 'defaults') continue;
    if (o in sys.MOUNT_FLAGS) flags |= sys.MOUNT_FLAGS[o];
    else data.push(o);
  }
  return { flags, data };
}

function failed(what: string, err: unknown): Error {
  return unavailable(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, err);
}

/**
 * The option string, and a cwd to mount from when the lower dirs had to be
 * made relative to fit in a page. `Invalid` when even that is too long.
 */
export function fitOptions(options: string[]): { options: string; cwd?: string } {
  const joined = options.join(',');
  if (joined.length <= MAX_MOUNT_OPTIONS) return { options: joined };
  const i = options.findIndex((o) => o.startsWith('lowerdir='));
  if (i === -1) throw invalid(`mount options are longer than ${MAX_MOUNT_OPTIONS} bytes`);
  const lowers = options[i].slice('lowerdir='.length).split(':');
  const cwd = commonDir(lowers);
  const relative = [...options];
  relative[i] = `lowerdir=${lowers.map((l) => path.relative(cwd, l)).join(':')}`;
  const compact = relative.join(',');
  if (compact.length > MAX_MOUNT_OPTIONS) throw invalid(`too many layers: overlay mount options need ${compact.length} bytes, at most ${MAX_MOUNT_OPTIONS} fit`);
  return { options: compact, cwd };
}

/** The deepest directory that contains every path of `paths` (absolute paths). */
function commonDir(paths: string[]): string {
  let common = path.dirname(paths[0]);
  while (!paths.every((p) => p.startsWith(`${common}/`)) && common !== '/') common = path.dirname(common);
  return common;
}

/** Unmount `target`; a target that is not mounted is fine. `lazy` detaches a busy mount (umount -l). */
export async function unmount(target: string, opts: { lazy?: boolean } = {}): Promise<void> {
  try {
    await sys.umount(target, opts.lazy ? sys.MNT_DETACH : 0);
  } catch (err) {
    // EINVAL: not a mount point; ENOENT: nothing there (unless it is a mount whose dir is gone)
    if (isErrno(err, 'EINVAL')) return;
    if (isErrno(err, 'ENOENT') && !(await isMountPoint(target))) return;
    throw failed(`umount ${target}`, err);
  }
}

/**
 * Lazily detach every mount at or below `dir`, deepest first: before a
 * recursive delete, which would otherwise delete *through* a mount left
 * behind (e.g. an idmapped clone of an image layer, had its helper been
 * killed half-way) into what it shows.
 */
export async function detachMountsUnder(dir: string): Promise<void> {
  const root = path.resolve(dir);
  const info = await fsp.readFile('/proc/self/mountinfo', 'utf8');
  const under = info.split('\n').map((line) => unescapeMountinfo(line.split(' ')[4] ?? ''))
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of under) await unmount(m, { lazy: true });
}

/** True when `target` is a mount point (per /proc/self/mountinfo). */
export async function isMountPoint(target: string): Promise<boolean> {
  const want = path.resolve(target);
  const info = await fsp.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => unescapeMountinfo(line.split(' ')[4] ?? '') === want);
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

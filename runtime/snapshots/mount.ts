/**
 * Performing the `Mount`s a snapshotter returns, with mount(8)/umount(8).
 *
 * The kernel takes mount options as one page (4096 bytes, NUL included). When
 * an overlay's options are longer (very deep layer chains), the lower dirs are
 * rewritten relative to their common parent and mount(8) runs from there: the
 * kernel resolves relative lowerdir paths against the mounting process's cwd
 * (containerd does the same). With the snapshotter's short `l/` links that
 * leaves ~13 bytes a layer: some 300 layers fit, near overlay's own 500-layer limit.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, unavailable } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
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
  const { options, cwd } = fitOptions(m.options);
  await run('mount', ['-t', m.type, '-o', options, m.source, target], { cwd });
}

async function bindMount(m: Mount, target: string): Promise<void> {
  const recursive = m.options.includes('rbind');
  await run('mount', [recursive ? '--rbind' : '--bind', m.source, target]);
  const rest = m.options.filter((o) => o !== 'bind' && o !== 'rbind');
  if (rest.length > 0) await run('mount', ['-o', ['remount', 'bind', ...rest].join(','), target]);
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
  const res = await run('umount', opts.lazy ? ['-l', target] : [target], { allowFailure: true });
  if (res.code === 0 || /not mounted|no mount point specified/.test(res.stderr)) return;
  if (/No such file or directory/.test(res.stderr) && !(await isMountPoint(target))) return;
  throw unavailable(`umount ${target} failed: ${res.stderr.trim() || `exit code ${res.code}`}`);
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

/**
 * Which quota backend the filesystem under the engine's root offers
 * (types.ts): XFS mounted with project quotas, btrfs with quotas enabled,
 * or none, with the reason.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { BtrfsQuota } from './btrfs.js';
import { mkdirNew } from './dirs.js';
import { XfsQuota } from './xfs.js';
import type { DirQuota } from './types.js';

/** Open the quota backend for dirs under `root` (created if missing); `enabled: false` turns quotas off. */
export async function openDirQuota(root: string, opts: { enabled: boolean }): Promise<DirQuota> {
  if (!opts.enabled) return new NoQuota('quotas are turned off in the engine configuration');
  await fsp.mkdir(root, { recursive: true });
  const mount = mountOf(await fsp.readFile('/proc/self/mountinfo', 'utf8'), await fsp.realpath(root));
  if (!mount) return new NoQuota(`cannot find the filesystem of ${root} in /proc/self/mountinfo`);
  const where = `the engine's storage ${root} is on ${mount.fsType} (${mount.mountPoint})`;
  if (mount.fsType === 'xfs') {
    if (!mount.options.some((o) => o === 'prjquota' || o === 'pquota')) {
      return new NoQuota(`${where}, mounted without the prjquota option`);
    }
    const tool = await run('xfs_quota', ['-V'], { allowFailure: true }).catch(() => null);
    return tool?.code === 0 ? new XfsQuota(mount.mountPoint) : new NoQuota(`${where}, but xfs_quota is missing (apt-get install xfsprogs)`);
  }
  if (mount.fsType === 'btrfs') {
    const shown = await run('btrfs', ['qgroup', 'show', mount.mountPoint], { allowFailure: true }).catch(() => null);
    if (!shown) return new NoQuota(`${where}, but the btrfs command is missing (apt-get install btrfs-progs)`);
    return shown.code === 0 ? new BtrfsQuota(mount.mountPoint) : new NoQuota(`${where} without quotas (btrfs quota enable ${mount.mountPoint})`);
  }
  return new NoQuota(`${where}, which cannot bound a directory (it needs XFS with prjquota or btrfs with quotas)`);
}

interface MountEntry { mountPoint: string; fsType: string; options: string[] }

/** The mount holding `target` (the longest mount point that is a prefix of it), from mountinfo text. */
export function mountOf(mountinfo: string, target: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const mountPoint = f[4].replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const [fsType, , superOptions = ''] = right.split(' ');
    const inside = target === mountPoint || target.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
    if (inside && (!best || mountPoint.length >= best.mountPoint.length)) {
      best = { mountPoint, fsType, options: [...f[5].split(','), ...superOptions.split(',')] };
    }
  }
  return best;
}

/** No quota: plain dirs, and a limit refused with the reason. */
class NoQuota implements DirQuota {
  readonly backend = 'none';
  readonly mountPoint = '';

  constructor(readonly reason: string) {}

  async create(dir: string, bytes: number | null, mode = 0o755): Promise<void> {
    if (bytes) throw invalid(`cannot bound ${path.basename(dir)} to ${bytes} bytes: ${this.reason} (see docs/engine.md, "Disk quotas")`);
    await mkdirNew(dir, mode);
  }

  async remove(dir: string): Promise<void> {
    await fsp.rm(dir, { recursive: true, force: true });
  }

  async limitOf(): Promise<number | null> {
    return null;
  }
}

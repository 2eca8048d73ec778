/**
 * Quota dirs on btrfs, the way Docker's btrfs driver bounds `--storage-opt
 * size`: each bounded dir is a subvolume with a qgroup limit on the bytes
 * it references. Writes past it fail with EDQUOT ("Disk quota exceeded").
 * Removing the dir deletes the subvolume (rmdir of an empty subvolume);
 * the kernel deletes its qgroup once the subvolume's blocks are dropped
 * (seen on 6.18; older kernels leave an inert "stale" entry, which
 * `btrfs qgroup clear-stale` clears). Subvolume IDs never repeat, so a
 * qgroup can never bound another dir.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { conflict, isErrno, unavailable } from '../../lib/errors.js';
import { btrfsSubvolume } from '../../lib/syscalls.js';
import { exists } from '../../lib/fs.js';
import { run } from '../../lib/exec.js';
import { mkdirNew } from './dirs.js';
import type { DirQuota } from './types.js';

export class BtrfsQuota implements DirQuota {
  readonly backend = 'btrfs';
  readonly reason = '';

  constructor(readonly mountPoint: string) {}

  async create(dir: string, bytes: number | null, mode = 0o755): Promise<void> {
    if (!bytes) return mkdirNew(dir, mode);
    if (await exists(dir)) throw conflict(`${dir} already exists`);
    // The ioctls `btrfs subvolume create` and `btrfs qgroup limit` make, by the resident syscall helper.
    await btrfsSubvolume(path.resolve(dir), mode, bytes).catch(async (err: unknown) => {
      if (isErrno(err, 'EEXIST')) throw conflict(`${dir} already exists`, err);
      await fsp.rm(dir, { recursive: true, force: true });
      throw unavailable(`cannot make the quota dir ${dir}: ${err instanceof Error ? err.message : String(err)}`, err);
    });
  }

  async remove(dir: string): Promise<void> {
    await fsp.rm(dir, { recursive: true, force: true });
  }

  async limitOf(dir: string): Promise<number | null> {
    if (!(await isSubvolume(dir))) return null;
    const { stdout } = await run('btrfs', ['qgroup', 'show', '-rf', '--raw', dir]);
    const row = stdout.split('\n').find((l) => /^0\/\d+\s/.test(l))?.trim().split(/\s+/);
    const max = row?.[3];
    return max === undefined || max === 'none' ? null : Number(max);
  }
}

/** A subvolume's root is inode 256 on btrfs. */
async function isSubvolume(dir: string): Promise<boolean> {
  return (await fsp.stat(dir)).ino === 256;
}

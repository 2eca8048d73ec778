/**
 * Mounting a container's root filesystem, reference-counted: a running
 * container holds one reference; `export`, `cp` and `commit` of a stopped
 * container take one for as long as they read it. Removal takes the mount
 * away from all of them (`forget`).
 */
import { promises as fsp } from 'node:fs';
import type { Snapshotter } from '../snapshots/types.js';
import { mountAll, unmount, isMountPoint, type IdmapRoot } from '../snapshots/mount.js';

export class RootfsMounts {
  private refs = new Map<string, number>();
  /** Unmounts of a last `release` still under way, so a removal can wait for them. */
  private unmounting = new Map<string, Promise<void>>();

  constructor(private readonly snapshots: Snapshotter) {}

  /**
   * Mount the snapshot `id` (over `parent`) at `target` unless a reference
   * holds it already; take a reference. Mounts found at start-up are adopted
   * or swept by recovery, so no reference means not mounted. `idmap`: a
   * container in a user namespace (its image's files shown as its own ids).
   */
  async acquire(id: string, parent: string | null, target: string, idmap?: IdmapRoot): Promise<void> {
    const n = this.refs.get(id) ?? 0;
    if (n === 0) {
      await fsp.mkdir(target, { recursive: true });
      await mountAll(await this.snapshots.mounts(id, parent), target, idmap);
    }
    this.refs.set(id, n + 1);
  }

  /** Count a mount found at start-up (a running container's root). */
  adopt(id: string): void {
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
  }

  /** Drop a reference; unmount when none is left. */
  async release(id: string, target: string): Promise<void> {
    const n = (this.refs.get(id) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(id, n);
      return;
    }
    this.refs.delete(id);
    const done = (async () => { if (await isMountPoint(target)) await unmount(target); })();
    this.unmounting.set(id, done);
    try {
      await done;
    } finally {
      if (this.unmounting.get(id) === done) this.unmounting.delete(id);
    }
  }

  /**
   * Unmount whatever references are left (removal): detached lazily, so a
   * reader still streaming from it keeps only what it has open and the
   * directories under it can be deleted; never delete through a live mount.
   * Its readers' later `release` finds nothing to do. A last reader's
   * release still unmounting (an export just read to its end) is waited
   * for, and its mount detached lazily when that unmount failed. No
   * reference and no unmount under way means not mounted, so the usual
   * removal (nobody reading) costs nothing here.
   */
  async forget(id: string, target: string): Promise<void> {
    const pending = this.unmounting.get(id);
    const unmountFailed = pending ? await pending.then(() => false, () => true) : false;
    if (!this.refs.delete(id) && !unmountFailed) return;
    if (await isMountPoint(target)) await unmount(target, { lazy: true });
  }
}

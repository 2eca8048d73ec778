/**
 * Directory quotas: the contract the engine's storage uses to bound disk
 * (a container's writable layer, a named volume, a build cache scope).
 *
 * Vocabulary
 * - *quota dir*: a directory created through `create(dir, bytes)`; every
 *   block written under it, by any process, counts against its limit, and a
 *   write past the limit fails inside the writer (ENOSPC on XFS, EDQUOT on
 *   btrfs) while the rest of the filesystem is untouched.
 * - *backend*: how the filesystem under the engine's root enforces it, after
 *   Docker's graph drivers: `xfs` (overlay2's way: an XFS project ID per dir
 *   with a block hard limit; needs the `prjquota` mount option) or `btrfs`
 *   (the btrfs driver's way: a subvolume per dir with a qgroup limit; needs
 *   `btrfs quota enable`). `none` when the filesystem can do neither: then a
 *   limit is refused (`Invalid`, with `reason`) and dirs are plain dirs.
 *
 * Open one with `openDirQuota(root)` (detect.ts).
 */

/** Which mechanism bounds the dirs; `none` = disk is not bounded. */
export type QuotaBackend = 'xfs' | 'btrfs' | 'none';

export interface DirQuota {
  readonly backend: QuotaBackend;
  /** Why `backend` is `none` (shown in errors and in the engine's warning); '' otherwise. */
  readonly reason: string;
  /** Mount point of the filesystem the quotas live on ('' for `none`). */
  readonly mountPoint: string;
  /**
   * Create `dir` (its parent must exist; `Conflict` if it exists) bounded to
   * `bytes` (rounded up to the filesystem's block; null or 0 = unbounded, a
   * plain dir). `Invalid` when a limit is asked of the `none` backend.
   */
  create(dir: string, bytes: number | null, mode?: number): Promise<void>;
  /**
   * Remove a dir made by `create` (or a plain one) and everything in it, and
   * release its quota, so its ID may serve another dir. Absent = nothing to do.
   */
  remove(dir: string): Promise<void>;
  /** The limit on `dir` in bytes, or null when it has none. */
  limitOf(dir: string): Promise<number | null>;
}

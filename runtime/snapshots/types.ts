/**
 * Snapshotter contract (after containerd's).
 *
 * Vocabulary
 * - *committed snapshot*: one image layer unpacked once, read-only, keyed by
 *   its *chain ID* (`chainID(L0) = diffID(L0)`,
 *   `chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln))`), so images that
 *   share a base share its unpacked files. Whiteouts from the layer tar are
 *   stored in overlay form (0/0 character devices, `trusted.overlay.opaque`).
 * - *active snapshot*: a container's writable layer, keyed by the container
 *   ID (*key*): an `upper` and a `work` dir over the committed chain of its
 *   image (*parent* = the top chain ID, or null for an empty image).
 *
 * The snapshotter never mounts anything itself: it returns `Mount`s and the
 * caller mounts them (`mountAll` in mount.ts) where it wants the root
 * filesystem. Overlay lower dirs are named through short links; for very deep
 * chains the options may exceed a page, which `mountAll` handles by mounting
 * from their common dir with relative paths, so always mount with it.
 *
 * Open one with `openSnapshotter(root)` (runtime/snapshots/index.ts).
 */
import type { Readable } from 'node:stream';
import type { DirQuota } from '../quota/types.js';

/** A mount to perform, as containerd describes it. */
export interface Mount {
  type: string;          // "overlay" | "bind"
  source: string;
  options: string[];     // e.g. ["lowerdir=…", "upperdir=…", "workdir=…"]
}

export interface Snapshotter {
  /**
   * Make sure every layer of a chain is unpacked, bottom-first. `open(i)`
   * opens layer `i`'s tar (plain or gzip). Each chain ID is unpacked at most
   * once, even when called concurrently. Returns the top chain ID (null for
   * no layers). A bad layer fails with `Invalid` and leaves nothing behind.
   */
  unpack(diffIds: string[], open: (index: number) => Readable): Promise<string | null>;
  /** True when the chain ID is unpacked. */
  hasCommitted(chainId: string): Promise<boolean>;
  /** All committed chain IDs (for garbage collection). */
  listCommitted(): Promise<string[]>;
  /** Chain IDs from `top` down to the base layer (`top` first); `NotFound` when a link of it is not unpacked. */
  chain(top: string): Promise<string[]>;
  /** Remove a committed snapshot (the caller checks that no image or container needs it). */
  removeCommitted(chainId: string): Promise<void>;
  /**
   * Create the active snapshot `key` over `parent`; returns the mounts for its
   * root. `Conflict` if it exists. With `sizeBytes`, everything written to it
   * is bounded to that many bytes (runtime/quota); `Invalid` when the
   * filesystem cannot bound it.
   */
  prepare(key: string, parent: string | null, opts?: { sizeBytes?: number }): Promise<Mount[]>;
  /** The mounts of an existing active snapshot. */
  mounts(key: string, parent: string | null): Promise<Mount[]>;
  /** The writable dir of an active snapshot (what `diff` and `commit` read). */
  upperDir(key: string): string;
  /**
   * The *init layer* of an active snapshot (Docker's `-init` layer): a
   * read-only dir between the image and the upper dir, filled by the caller
   * with mount-point stubs (/etc/hosts, /proc…) so the runtime need not create
   * them in the upper dir, where `diff` and `commit` would see them.
   */
  initDir(key: string): string;
  /** Read-only dirs of a chain, top-first (what `diff` compares against). */
  lowerDirs(parent: string | null): Promise<string[]>;
  /** Keys of every active snapshot (for sweeping those whose container is gone). */
  listActive(): Promise<string[]>;
  /** Remove an active snapshot (its root must be unmounted) and release its quota. */
  remove(key: string): Promise<void>;
  /** How writable layers are bounded (runtime/quota/types.ts). */
  readonly quota: DirQuota;
}

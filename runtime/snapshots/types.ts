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
 *   ID (*key*), over the committed chain of its image (*parent* = the top
 *   chain ID, or null for an empty image). How it is kept (overlay's upper
 *   and work dirs) is the implementation's.
 *
 * The snapshotter never mounts anything itself: it returns `Mount`s and the
 * caller mounts them (`mountAll` in mount.ts) where it wants the root
 * filesystem. Overlay lower dirs are named through short links; for very deep
 * chains the options may exceed a page, which `mountAll` handles by mounting
 * from their common dir with relative paths, so always mount with it.
 *
 * Callers never see where an active snapshot keeps its files: what they need
 * of the writable layer is an operation here, as containerd's differ takes
 * snapshots rather than directories — `changes` (`docker diff`), `diff` (the
 * layer tar of `commit` and of a build step), `usage` (`container prune`'s
 * reclaimed space), and `prepare`'s `owner` (a user namespace's root owns
 * `/`). The one directory handed out is `initDir`, for the reason given there.
 *
 * Open one with `openSnapshotter(root)` (runtime/snapshots/index.ts).
 */
import type { Readable } from 'node:stream';
import type { Change } from '../archive/types.js';
import type { IdMaps } from '../archive/owners.js';
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
   * filesystem cannot bound it. With `owner`, the root dir of the writable
   * layer (the container's `/`) belongs to that host uid/gid instead of host
   * root: a container in a user namespace owns its own `/`.
   */
  prepare(key: string, parent: string | null, opts?: { sizeBytes?: number; owner?: { uid: number; gid: number } }): Promise<Mount[]>;
  /** The mounts of an existing active snapshot. */
  mounts(key: string, parent: string | null): Promise<Mount[]>;
  /**
   * The *init layer* of an active snapshot (Docker's `-init` layer): a
   * read-only dir between the image and the writable layer, filled by the
   * caller with mount-point stubs (/etc/hosts, /proc…) so the runtime need
   * not create them in the writable layer, where `changes` and `diff` would
   * see them. A directory because its content is the caller's (the container
   * subsystem knows which stubs a container needs); it is never mounted
   * alone, only as part of `mounts`.
   */
  initDir(key: string): string;
  /**
   * What the writable layer of `key` changed against its image chain `parent`
   * (the init layer left out), sorted by path: `A`dded, `C`hanged, `D`eleted,
   * as `docker diff` reports them. Read with the root unmounted or mounted.
   */
  changes(key: string, parent: string | null): Promise<Change[]>;
  /**
   * The writable layer of `key` as an image layer tar (uncompressed, overlay
   * whiteouts turned into `.wh.` entries), for `commit` and build steps. With
   * `owners`, host ids are mapped back into the container's user namespace.
   * The stream reads the layer as it is while it is consumed: pause the
   * container first for a consistent layer.
   */
  diff(key: string, opts?: { owners?: IdMaps }): Readable;
  /** Bytes of the regular files in the writable layer of `key` (hard links once); 0 when it is gone. */
  usage(key: string): Promise<number>;
  /** Keys of every active snapshot (for sweeping those whose container is gone). */
  listActive(): Promise<string[]>;
  /** Remove an active snapshot (its root must be unmounted) and release its quota. */
  remove(key: string): Promise<void>;
  /** How writable layers are bounded (runtime/quota/types.ts). */
  readonly quota: DirQuota;
}

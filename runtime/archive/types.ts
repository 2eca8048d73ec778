/**
 * Tar archives of layers and file trees.
 *
 * Extraction is safe by construction: entries with `..` components, absolute
 * paths after normalisation, writes through a symlink (any entry whose parent
 * path crosses a symlink), hardlinks whose target is outside the archive,
 * device nodes and FIFOs are refused with `Invalid` and a message naming the
 * entry, e.g. `layer entry "../etc/passwd": path escapes the layer`. Every
 * entry is checked before GNU tar sees it, so nothing is written through a
 * refused entry. Layers for snapshots go into a fresh directory that the
 * caller renames into place only on success, so a refused layer changes
 * nothing; `docker cp` into an existing tree ('apply' mode) keeps what was
 * extracted before the refused entry, as Docker does.
 *
 * Names, link targets and xattrs are carried byte for byte (names need not be
 * UTF-8; binary xattr values such as `security.capability` survive), owners
 * are numeric, modes keep setuid/setgid/sticky, mtimes have second precision.
 * `trusted.overlay.*` xattrs in an input tar are dropped. Input may be plain
 * or gzip (detected by magic bytes); zstd is refused.
 *
 * Whiteouts map both ways: in a layer tar, `dir/.wh.name` deletes `name` and
 * `dir/.wh..wh..opq` makes `dir` opaque; on disk (overlay upper dirs and
 * committed snapshots) they are 0/0 character devices and the
 * `trusted.overlay.opaque=y` xattr.
 */

import type { IdMaps } from './owners.js';

/**
 * One change of a container's filesystem against its image (`docker diff`):
 * A = not in any lower layer; C = also in a lower layer (parent dirs of
 * changes included); D = deleted (a whiteout, or hidden by an opaque dir).
 */
export interface Change {
  /** Absolute path inside the container, e.g. `/etc/passwd`. */
  path: string;
  kind: 'A' | 'C' | 'D';
}

/** Result of applying a layer. */
export interface AppliedLayer {
  /** `sha256:` digest of the uncompressed tar stream. */
  diffId: string;
  /** Bytes of the uncompressed stream. */
  size: number;
}

/**
 * How `applyLayer` treats whiteout entries (`.wh.name`, `.wh..wh..opq`):
 * - 'overlay': store them in overlay form (a 0/0 character device `name`;
 *   `trusted.overlay.opaque=y` on the dir). For committed snapshots, each
 *   layer extracted into its own fresh directory.
 * - 'apply': act on them in an existing tree once extraction is done: delete
 *   `name` (unless this archive wrote it), empty an opaque dir of everything
 *   this archive did not write. For `docker cp` in and flattening.
 */
export interface ApplyOptions {
  whiteouts: 'overlay' | 'apply';
  /** Extracting into a container in a user namespace: container owners become host owners (owners.ts). */
  owners?: IdMaps;
}

/** Options of `packTree`. */
export interface PackTreeOptions {
  /**
   * Name of the packed path itself inside the tar; its content goes under
   * `name/`. Default: the path's base name (as `docker cp` out does). `''`
   * puts a directory's content at the top with no entry for the directory
   * itself (as `docker export` does); it needs a directory.
   */
  name?: string;
  /** Packing a container in a user namespace: host owners become container owners (owners.ts). */
  owners?: IdMaps;
}

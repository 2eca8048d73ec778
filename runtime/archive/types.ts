/**
 * Tar archives of layers and file trees.
 *
 * Extraction is safe by construction: entries with `..` components, absolute
 * paths after normalisation, writes through a symlink (any entry whose parent
 * path crosses a symlink), hardlinks whose target is outside the archive,
 * device nodes and FIFOs are refused with `Invalid` and a message naming the
 * entry. Extraction goes into a fresh directory that the caller renames into
 * place only on success, so a refused archive changes nothing.
 *
 * Whiteouts map both ways: in a layer tar, `dir/.wh.name` deletes `name` and
 * `dir/.wh..wh..opq` makes `dir` opaque; on disk (overlay upper dirs and
 * committed snapshots) they are 0/0 character devices and the
 * `trusted.overlay.opaque=y` xattr.
 */

/** One change of a container's filesystem against its image (`docker diff`). */
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

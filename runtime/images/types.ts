/**
 * Image store contract.
 *
 * Vocabulary
 * - *blob*: content-addressed bytes under `blobs/sha256/<hex>` of an OCI image
 *   layout; its *digest* is `sha256:<hex>` of exactly those bytes.
 * - *config*: the OCI image config blob. An image's *ID* is the digest of its
 *   config (as in Docker), so `save` then `load` gives back the same ID.
 * - *manifest*: the OCI manifest naming the config and the layer blobs.
 * - *layer*: a tar (plain or gzip) whose uncompressed digest is its *diffID*;
 *   the config's `rootfs.diff_ids` lists them bottom-first.
 * - *reference*: `name[:tag]` (`busybox` means `busybox:latest`; Docker Hub
 *   prefixes `docker.io/library/` are dropped) or an image ID, full or as a
 *   unique hex prefix of at least 4 characters.
 *
 * Every write is crash safe: blobs are written to a temporary file, verified
 * against their digest, then renamed; the tag index is replaced atomically. A
 * failed import, load or commit leaves the store exactly as it was.
 *
 * On disk (runtime/images/layout.ts): an OCI image layout. Tags live in
 * index.json itself, one manifest descriptor per tag with annotation
 * `org.opencontainers.image.ref.name` = the familiar reference
 * (`busybox:latest`); a dangling image has one descriptor without it.
 * Layers committed locally are stored uncompressed
 * (`application/vnd.oci.image.layer.v1.tar`), loaded ones as given (a gzip
 * layer's descriptor carries `io.tspaas.layer.uncompressed-size`). Every
 * layer that enters the store (putLayer, load, import) is checked against the
 * safe-extraction rules of runtime/archive first.
 *
 * Open one with `openImageStore(dir)` (runtime/images/index.ts).
 */
import type { Readable, Writable } from 'node:stream';

/** OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/**
 * Docker's HealthConfig (Dockerfile HEALTHCHECK, `Config.Healthcheck`): Test is
 * ["NONE"], ["CMD", arg…] or ["CMD-SHELL", command]; durations in
 * nanoseconds; 0 or absent = inherit from the image, else the default
 * (runtime/containers/healthcheck.ts).
 */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runnable part of an image config (Docker's `Config`). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

/** One entry of an image's history (OCI config `history`). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** OCI image config, as stored in the config blob. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  /**
   * Docker's own fields of a config it commits (moby's image.Image): the
   * image it was made on (`docker commit`'s base, a build step's previous
   * step), and the container it was committed from with that container's
   * config. Images from elsewhere usually lack them.
   */
  parent?: string;
  container?: string;
  container_config?: ContainerConfig & { Image?: string; Hostname?: string };
}

/** A layer as the store knows it: the blob plus its uncompressed digest. */
export interface Layer {
  descriptor: Descriptor;
  diffId: string;
}

/** An image as listed and inspected. */
export interface Image {
  /** `sha256:<hex>` of the config blob. */
  id: string;
  /** Normalized references pointing at this image, e.g. `busybox:latest`. */
  repoTags: string[];
  manifestDigest: string;
  config: ImageConfig;
  /** Bottom-first; same order as `config.rootfs.diff_ids`. */
  layers: Layer[];
  /** Sum of the uncompressed layer sizes in bytes. */
  size: number;
  /** RFC 3339 time from the config, or the time the image was written. */
  created: string;
}

/** What `removeImage` did, in Docker's words. */
export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

/** A blob written to an `ImageStaging` area: what its bytes hashed to, known once all were written. */
export interface StagedBlobInfo {
  readonly digest: string;
  readonly size: number;
}

/**
 * Bringing one image in blob by blob, as a registry pull does: each blob is
 * staged as it arrives (written and hashed, invisible to the store), the
 * caller checks it (digest, diffID, extraction rules), then `commit` moves
 * the staged blobs in and indexes the image, all or nothing. `close` always
 * ends it and drops what is still staged: without a successful `commit` the
 * store is exactly as it was. One area serves one image and one caller.
 */
export interface ImageStaging {
  /** Write a blob into the area, hashing it; a failed read or write leaves nothing staged. */
  stageBlob(input: Readable | AsyncIterable<Buffer>): Promise<StagedBlobInfo>;
  /** Drop a staged blob that failed a check, so that `commit` does not take it. */
  discard(blob: StagedBlobInfo): Promise<void>;
  /**
   * Index a new image: its config is exactly `configBytes` (its ID is their
   * digest); each of `layers` is a blob staged here or already stored; `tags`
   * are normalized references. Every blob still staged moves in with it.
   * `NotFound` when a layer is neither staged nor stored.
   */
  commit(image: { configBytes: Buffer; layers: Layer[]; tags: string[] }): Promise<Image>;
  /** End the staging: remove the area and whatever is still in it. */
  close(): Promise<void>;
}

export interface ImageStore {
  /** All images; dangling (untagged) ones included. */
  list(): Promise<Image[]>;
  /** Resolve a reference or ID; `NotFound` when nothing matches, `Invalid` when malformed, `Conflict` when an ID prefix is ambiguous. */
  get(ref: string): Promise<Image>;
  /** Point `target` (a reference) at the image `source` resolves to, moving it from any other image. */
  tag(source: string, target: string): Promise<void>;
  /**
   * Untag, and delete the image when no tag is left. `isInUse(imageId)` is
   * asked before deleting; an image used by a container is only untagged
   * unless `force`. Removing by ID with several tags needs `force`.
   *
   * By tag: the tag goes; the image is deleted when it was its last tag and
   * it is not in use (or `force`). By ID (or ID prefix, or `name@digest`):
   * `Conflict` when it has several tags or is in use, unless `force`; with
   * it, every tag goes and the image is deleted. Deleting drops the blobs no
   * other image needs. `deleted` lists the image ID.
   */
  remove(ref: string, opts: { force?: boolean; isInUse?: (imageId: string) => boolean }): Promise<RemoveResult>;
  /**
   * Write a new image from an existing layer list plus a new config. The
   * config's `rootfs.diff_ids` must match `layers`. Tags it with `tags`.
   */
  writeImage(config: ImageConfig, layers: Layer[], tags?: string[]): Promise<Image>;
  /** Store a layer tar given as a stream (plain or gzip); returns the layer with its diffID. */
  putLayer(tar: Readable): Promise<Layer>;
  /** Open a layer blob for reading (as stored, possibly compressed). */
  openLayer(layer: Layer): Readable;
  /**
   * Open a staging area to bring in an image blob by blob (a pull; see
   * ImageStaging). What other writers do meanwhile is unaffected until its
   * `commit`.
   */
  stage(): Promise<ImageStaging>;
  /** A stored blob's bytes, in memory (manifests and configs, for a push); `NotFound` when not stored. */
  readBlob(digest: string): Promise<Buffer>;
  /**
   * Read a stored blob as stored (a push sends blobs as they are), whole or
   * bytes `start` to `end` inclusive (a push in chunks). The stream fails
   * with ENOENT when the blob is not stored.
   */
  openBlob(digest: string, range?: { start: number; end: number }): Readable;
  /**
   * Delete blobs that no image references and dangling images not in use; returns the digests removed.
   * With `all`, every image not in use goes, tagged or not. `deleted` holds the image IDs first, then
   * the other blob digests removed; layers stored by `putLayer` and not yet used by an image are kept.
   * With `matches`, only the images it is true for are candidates (Docker's prune filters).
   */
  prune(opts: { all?: boolean; isInUse?: (imageId: string) => boolean; matches?: (image: Image) => boolean }): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /**
   * Write images as a `docker save` tar (which is also an OCI layout: both `manifest.json` and `index.json`).
   * A reference by tag saves the image with that tag; by ID, untagged.
   */
  save(refs: string[], out: Writable): Promise<void>;
  /**
   * Load a `docker save` tar (old `<id>/layer.tar` layout or Docker 25+'s) or an OCI layout tar, plain
   * or gzip; returns the images loaded and the tags they got. All or nothing: a layer that breaks the
   * extraction rules or does not match its diff_id fails the whole load with `Invalid`.
   * In an OCI layout, tags come from `io.containerd.image.name`, else from a ref.name that is a whole
   * reference (`busybox:latest`); a bare ref.name (`latest`) names no repository and is ignored.
   */
  load(input: Readable): Promise<{ images: Image[]; tags: string[] }>;
  /** Make a one-layer image from a flat rootfs tar (`docker import`). */
  importRootfs(input: Readable, opts: { tag?: string; message?: string; changes?: Partial<ContainerConfig> }): Promise<Image>;
}

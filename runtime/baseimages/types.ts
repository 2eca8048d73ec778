/**
 * Base images without a registry.
 *
 * A few images are made locally, from Debian's own packages, the first time
 * something needs them (`ensureImage`, `run`, a build stack): `busybox:latest`
 * from busybox-static and `debian:bookworm` from mmdebstrap. Each is one
 * layer, a flat rootfs tar, stored through the `ImageStore` like any other
 * image and tagged with its name; from then on it is an ordinary image
 * (`rmi` removes it, the next use builds it again).
 *
 * A *builder* knows how to produce one image: the layer as a stream, the
 * runnable config and a history entry saying how it was made. The registry
 * (index.ts) stores the result and makes sure that concurrent requests for
 * the same image in one process share a single build. Builders report what
 * they are doing through `OnProgress`, one message per step, because a build
 * can take a while (mmdebstrap downloads ~40 MB).
 *
 * A builder whose output is a pure function of its inputs (busybox: the
 * installed binary) must be deterministic — sorted entries, fixed owners and
 * times — so that rebuilding gives the same image ID.
 */
import type { Readable } from 'node:stream';
import type { OnProgress } from '../types.js';
import type { ContainerConfig, HistoryEntry } from '../images/types.js';

/** What a builder produces. */
export interface BaseImageBuild {
  /** The rootfs as an uncompressed tar stream; consumed exactly once. */
  layer: Readable;
  /** Resolves when the producer has finished successfully; rejects (and the layer is discarded) when it failed. */
  done: Promise<void>;
  /** The image's runnable config (Cmd, Env…). */
  config: ContainerConfig;
  /** RFC 3339; fixed for deterministic builders. */
  created: string;
  /** The one history entry: how the layer was made. */
  history: HistoryEntry;
}

/** One known base image. */
export interface BaseImageBuilder {
  /** Normalized reference, e.g. `busybox:latest`. */
  name: string;
  /** What it is made from, in a few words. */
  description: string;
  /** Debian packages the build needs on the host. */
  packages: string[];
  /** Start producing the image. */
  build(onProgress: OnProgress): Promise<BaseImageBuild>;
}

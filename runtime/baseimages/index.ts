/**
 * The registry of base images tspaas makes itself (see types.ts): a list of
 * builders looked up by normalized reference, and `buildBaseImage`, which
 * runs one and stores the result. Concurrent requests for the same image in
 * this process share one build; every caller gets the progress messages
 * emitted after it joined.
 */
import type { OnProgress, Progress } from '../types.js';
import type { Image, ImageStore, ImageConfig, Layer } from '../images/types.js';
import { normalizeReference } from '../images/refs.js';
import { hostGoArch } from '../containers/seccomp.js';
import { notFound } from '../../lib/errors.js';
import { busyboxBuilder } from './busybox.js';
import { debianBuilder } from './debian.js';
import type { BaseImageBuild, BaseImageBuilder } from './types.js';

export type { BaseImageBuilder, BaseImageBuild } from './types.js';

/** Every base image tspaas can make, by name. */
export const knownBaseImages: readonly BaseImageBuilder[] = [busyboxBuilder, debianBuilder];

interface Pending {
  promise: Promise<Image>;
  listeners: Set<OnProgress>;
}

/** Builds in flight, per store and image name. */
const inFlight = new WeakMap<ImageStore, Map<string, Pending>>();

/** The builder for `ref` (`busybox`, `docker.io/library/busybox:latest`…), or undefined. */
export function findBaseImage(ref: string): BaseImageBuilder | undefined {
  let name: string;
  try {
    name = normalizeReference(ref);
  } catch {
    return undefined; // not a valid reference: not a base image either
  }
  return knownBaseImages.find((b) => b.name === name);
}

/** True when tspaas can make the image `ref` itself. */
export function isBaseImage(ref: string): boolean {
  return findBaseImage(ref) !== undefined;
}

/**
 * Build the base image `ref` into `store` and tag it; `NotFound` for an
 * unknown name. A request while the same image is being built joins that
 * build instead of starting another.
 */
export function buildBaseImage(ref: string, store: ImageStore, onProgress: OnProgress = () => undefined): Promise<Image> {
  const builder = findBaseImage(ref);
  if (!builder) return Promise.reject(notFound(`no base image named ${ref}; known: ${knownBaseImages.map((b) => b.name).join(', ')}`));
  let builds = inFlight.get(store);
  if (!builds) inFlight.set(store, (builds = new Map()));
  const running = builds.get(builder.name);
  if (running) return join(running, onProgress);

  const listeners = new Set<OnProgress>([onProgress]);
  const emit = (p: Progress) => { for (const l of listeners) l({ id: builder.name, ...p }); };
  const promise = runBuilder(builder, store, emit).finally(() => builds.delete(builder.name));
  builds.set(builder.name, { promise, listeners });
  return promise.finally(() => listeners.delete(onProgress));
}

function join(pending: Pending, onProgress: OnProgress): Promise<Image> {
  pending.listeners.add(onProgress);
  return pending.promise.finally(() => pending.listeners.delete(onProgress));
}

/** Run a builder, store its layer and write the tagged image. */
async function runBuilder(builder: BaseImageBuilder, store: ImageStore, emit: OnProgress): Promise<Image> {
  emit({ status: `Building ${builder.name} from ${builder.description}` });
  const made = await builder.build(emit);
  const layer = await storeLayer(store, made);
  const config: ImageConfig = {
    architecture: hostGoArch(),
    os: 'linux',
    created: made.created,
    config: made.config,
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [made.history],
  };
  const image = await store.writeImage(config, [layer], [builder.name]);
  emit({ status: `Built ${builder.name} (${image.id.slice('sha256:'.length, 19)})` });
  return image;
}

/** Store the layer while the builder produces it; the builder's own failure is the one reported. */
async function storeLayer(store: ImageStore, made: BaseImageBuild): Promise<Layer> {
  const putting = store.putLayer(made.layer);
  putting.catch(() => made.layer.destroy()); // stop the producer when the store gives up
  const [put, done] = await Promise.allSettled([putting, made.done]);
  if (done.status === 'rejected') throw done.reason;
  if (put.status === 'rejected') throw put.reason;
  return put.value;
}

/**
 * ImageStore on an OCI image layout (see layout.ts for the files, and
 * tagindex.ts for how tags live in index.json).
 *
 * Writers (tag, remove, commits of new images, prune) run one at a time
 * through an in-process mutex, re-reading index.json inside it. Blobs a
 * `putLayer` stored are *leased* until an image references them, so a prune
 * running between `putLayer` and `writeImage` does not take them.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import type { ImageSpec, StoreCore } from './core.js';
import { describeLayer } from './layers.js';
import { OciLayout, type StagedBlob } from './layout.js';
import { MEDIA } from './oci.js';
import { Mutex } from '../../lib/mutex.js';
import { RecordCache, toImage, type ImageView } from './records.js';
import { normalizeTag } from './refs.js';
import { resolveRef } from './resolve.js';
import { buildIndex, ensureImage, groupIndex, removeImage, removeTag, setTag, type IndexedImage } from './tagindex.js';
import { importRootfs } from './import.js';
import { loadArchive } from './load.js';
import { saveImages } from './save.js';
import type { ContainerConfig, Image, ImageConfig, ImageStaging, ImageStore, Layer, RemoveResult } from './types.js';
import { openStaging } from './staging.js';

type IsInUse = ((imageId: string) => boolean) | undefined;

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The ImageStore contract (types.ts) on an OCI layout; open with `OciImageStore.open(dir)`. */
export class OciImageStore implements ImageStore, StoreCore {
  private readonly mutex = new Mutex();
  private readonly cache: RecordCache;
  private readonly leases = new Set<string>();

  private constructor(readonly layout: OciLayout) {
    this.cache = new RecordCache(layout);
  }

  /** Open (creating if needed) the store in `dir`. */
  static async open(dir: string): Promise<OciImageStore> {
    const layout = new OciLayout(dir);
    await layout.init();
    return new OciImageStore(layout);
  }

  /** Current images with their index entries (the index is re-read each time). */
  async views(): Promise<{ images: IndexedImage[]; views: ImageView[] }> {
    const images = groupIndex(await this.layout.readIndex());
    return { images, views: await this.cache.view(images) };
  }

  async list(): Promise<Image[]> {
    return (await this.views()).views.map(toImage);
  }

  async get(ref: string): Promise<Image> {
    return toImage(resolveRef((await this.views()).views, ref).view);
  }

  async tag(source: string, target: string): Promise<void> {
    const tag = normalizeTag(target);
    await this.mutex.run(async () => {
      const { images, views } = await this.views();
      setTag(images, resolveRef(views, source).view.indexed, tag);
      await this.layout.writeIndex(buildIndex(images));
    });
  }

  async remove(ref: string, opts: { force?: boolean; isInUse?: IsInUse }): Promise<RemoveResult> {
    return this.mutex.run(async () => {
      const { images, views } = await this.views();
      const { view, tag } = resolveRef(views, ref);
      const id = view.record.configDigest;
      const inUse = opts.isInUse?.(id) ?? false;
      const result: RemoveResult = { untagged: [], deleted: [] };
      if (tag !== undefined) {
        const lastTag = view.indexed.tags.length === 1;
        // As dockerd: the last reference of an image a container uses goes only with force, and the image stays.
        if (lastTag && inUse && !opts.force) {
          throw conflict(`unable to remove repository reference "${tag}" (must force) - a container is using its referenced image ${shortId(id)}`);
        }
        removeTag(images, tag);
        result.untagged.push(tag);
        if (view.indexed.tags.length > 0 || inUse) {
          await this.layout.writeIndex(buildIndex(images));
          return result;
        }
      } else {
        if (view.indexed.tags.length > 1 && !opts.force) throw conflict(`unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
        if (inUse && !opts.force) throw conflict(`unable to delete ${shortId(id)} (must be forced) - image is being used by a container`);
        result.untagged.push(...view.indexed.tags);
      }
      const rest = removeImage(images, view.record.manifestDigest);
      await this.layout.writeIndex(buildIndex(rest));
      this.cache.drop(view.record.manifestDigest);
      result.deleted.push(id);
      await this.collect(await this.cache.view(rest), blobsOf(view));
      return result;
    });
  }

  async writeImage(config: ImageConfig, layers: Layer[], tags: string[] = []): Promise<Image> {
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== layers.length || diffIds.some((d, i) => d !== layers[i].diffId)) {
      throw invalid('image config rootfs.diff_ids does not match the layers');
    }
    const [image] = await this.commitImages([{ configBytes: Buffer.from(JSON.stringify(config)), layers, tags: tags.map(normalizeTag) }], []);
    return image;
  }

  async putLayer(tar: Readable): Promise<Layer> {
    const staged = await this.layout.stage(tar);
    try {
      const layer = await describeLayer(staged);
      await this.mutex.run(async () => {
        await this.layout.commit(staged);
        this.leases.add(staged.digest);
      });
      return layer;
    } finally {
      await fsp.rm(staged.file, { force: true });
    }
  }

  openLayer(layer: Layer): Readable {
    return this.layout.openBlob(layer.descriptor.digest);
  }

  stage(): Promise<ImageStaging> {
    return openStaging(this);
  }

  readBlob(digest: string): Promise<Buffer> {
    return this.layout.readBlob(digest);
  }

  openBlob(digest: string, range?: { start: number; end: number }): Readable {
    return range ? createReadStream(this.layout.blobPath(digest), { ...range, highWaterMark: 1 << 20 }) : this.layout.openBlob(digest);
  }

  async prune(opts: { all?: boolean; isInUse?: IsInUse; matches?: (image: Image) => boolean }): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    return this.mutex.run(async () => {
      const { images, views } = await this.views();
      const victims = views.filter((v) => (opts.all || v.indexed.tags.length === 0) && !(opts.isInUse?.(v.record.configDigest) ?? false)
        && (opts.matches?.(toImage(v)) ?? true));
      let rest = images;
      for (const v of victims) rest = removeImage(rest, v.record.manifestDigest);
      if (victims.length > 0) await this.layout.writeIndex(buildIndex(rest));
      for (const v of victims) this.cache.drop(v.record.manifestDigest);
      const { removed, bytes } = await this.collect(await this.cache.view(rest), await this.layout.listBlobs());
      const ids = victims.map((v) => v.record.configDigest);
      return { deleted: [...new Set([...ids, ...removed])], spaceReclaimed: bytes };
    });
  }

  async save(refs: string[], out: Writable): Promise<void> {
    const { views } = await this.views();
    await saveImages(this.layout, refs.map((r) => resolveRef(views, r)), out);
  }

  async load(input: Readable): Promise<{ images: Image[]; tags: string[] }> {
    return loadArchive(this, input);
  }

  async importRootfs(input: Readable, opts: { tag?: string; message?: string; changes?: Partial<ContainerConfig> }): Promise<Image> {
    return importRootfs(this, input, opts);
  }

  /**
   * Commit new images in one step: move `staged` blobs in, write configs and
   * manifests, then the index. On failure every blob this call added is
   * removed again, so the store is exactly as before.
   */
  async commitImages(specs: ImageSpec[], staged: StagedBlob[]): Promise<Image[]> {
    return this.mutex.run(async () => {
      const added: string[] = [];
      const commit = async (s: StagedBlob) => { if (await this.layout.commit(s)) added.push(s.digest); };
      try {
        for (const s of staged) await commit(s);
        const { images } = await this.views();
        const written: IndexedImage[] = [];
        for (const spec of specs) written.push(await this.commitOne(images, spec, commit));
        await this.layout.syncBlobs();
        await this.layout.writeIndex(buildIndex(images));
        for (const spec of specs) for (const l of spec.layers) this.leases.delete(l.descriptor.digest);
        return Promise.all(written.map(async (indexed) => toImage({ indexed, record: await this.cache.get(indexed.manifest.digest) })));
      } catch (err) {
        for (const digest of added) await this.layout.removeBlob(digest);
        throw err;
      } finally {
        await Promise.all(staged.map((s) => fsp.rm(s.file, { force: true })));
      }
    });
  }

  private async commitOne(images: IndexedImage[], spec: ImageSpec, commit: (s: StagedBlob) => Promise<void>): Promise<IndexedImage> {
    for (const l of spec.layers) {
      if (!(await this.layout.hasBlob(l.descriptor.digest))) throw notFound(`layer ${l.descriptor.digest} is not in the image store`);
    }
    const config = await this.layout.stageBytes(spec.configBytes);
    await commit(config);
    const manifest = {
      schemaVersion: 2, mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, digest: config.digest, size: config.size },
      layers: spec.layers.map((l) => l.descriptor),
    };
    const manifestBlob = await this.layout.stageBytes(Buffer.from(JSON.stringify(manifest)));
    await commit(manifestBlob);
    const img = ensureImage(images, { mediaType: MEDIA.manifest, digest: manifestBlob.digest, size: manifestBlob.size }, new Date().toISOString());
    for (const tag of spec.tags) setTag(images, img, tag);
    return img;
  }

  /** Delete `candidates` that no remaining image references and no lease holds. */
  private async collect(remaining: ImageView[], candidates: string[]): Promise<{ removed: string[]; bytes: number }> {
    const keep = new Set(this.leases);
    for (const v of remaining) for (const d of blobsOf(v)) keep.add(d);
    const removed: string[] = [];
    let bytes = 0;
    for (const digest of new Set(candidates)) {
      if (keep.has(digest)) continue;
      bytes += await this.layout.removeBlob(digest);
      removed.push(digest);
    }
    return { removed, bytes };
  }
}

/** Every blob an image needs: manifest, config, layers. */
function blobsOf(v: ImageView): string[] {
  return [v.record.manifestDigest, v.record.configDigest, ...v.record.manifest.layers.map((l) => l.digest)];
}

/**
 * Images as read from blobs: manifest + config, parsed once and cached
 * (blobs are immutable, so a cache entry never goes stale; it is dropped when
 * the image is deleted).
 */
import { internal } from '../../lib/errors.js';
import type { OciLayout } from './layout.js';
import { UNCOMPRESSED_SIZE, type OciManifest } from './oci.js';
import type { IndexedImage } from './tagindex.js';
import type { Image, ImageConfig } from './types.js';

export interface ImageRecord {
  manifestDigest: string;
  manifest: OciManifest;
  /** The image ID. */
  configDigest: string;
  config: ImageConfig;
}

/** An indexed image with its record: what resolution and listing work on. */
export interface ImageView {
  indexed: IndexedImage;
  record: ImageRecord;
}

/** Parsed manifests and configs by manifest digest. */
export class RecordCache {
  private readonly records = new Map<string, ImageRecord>();

  constructor(private readonly layout: OciLayout) {}

  /** The record of a manifest, reading its blobs on first use. */
  async get(manifestDigest: string): Promise<ImageRecord> {
    const cached = this.records.get(manifestDigest);
    if (cached) return cached;
    const manifest = parse<OciManifest>(await this.layout.readBlob(manifestDigest), manifestDigest);
    const config = parse<ImageConfig>(await this.layout.readBlob(manifest.config.digest), manifest.config.digest);
    const record = { manifestDigest, manifest, configDigest: manifest.config.digest, config };
    this.records.set(manifestDigest, record);
    return record;
  }

  /** Forget a deleted manifest. */
  drop(manifestDigest: string): void {
    this.records.delete(manifestDigest);
  }

  /** Records for every indexed image. */
  async view(images: IndexedImage[]): Promise<ImageView[]> {
    return Promise.all(images.map(async (indexed) => ({ indexed, record: await this.get(indexed.manifest.digest) })));
  }
}

function parse<T>(bytes: Buffer, digest: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw internal(`blob ${digest} is not valid JSON`, err);
  }
}

/** The public shape of an image. */
export function toImage({ indexed, record }: ImageView): Image {
  const diffIds = record.config.rootfs?.diff_ids ?? [];
  const layers = record.manifest.layers.map((descriptor, i) => ({ descriptor, diffId: diffIds[i] }));
  const size = record.manifest.layers.reduce((sum, d) => sum + Number(d.annotations?.[UNCOMPRESSED_SIZE] ?? d.size), 0);
  return {
    id: record.configDigest,
    repoTags: [...indexed.tags],
    manifestDigest: record.manifestDigest,
    config: record.config,
    layers,
    size,
    created: record.config.created ?? indexed.created ?? new Date(0).toISOString(),
  };
}

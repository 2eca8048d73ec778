/**
 * The OCI image-spec vocabulary both the image store and the registry client
 * speak: media types, the index and manifest shapes, digests, and the
 * annotations the store puts on descriptors. Data and pure functions only;
 * how the store keeps blobs on disk is layout.ts, not here.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../../lib/errors.js';
import type { Descriptor } from './types.js';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** index.json annotation holding a tag: the full familiar reference (`busybox:latest`). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** index.json annotation: when the image was written (used when its config has no `created`). */
export const CREATED = 'org.opencontainers.image.created';
/** Layer descriptor annotation: uncompressed size of a compressed layer (for `Image.size`). */
export const UNCOMPRESSED_SIZE = 'io.tspaas.layer.uncompressed-size';

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Hex part of a `sha256:` digest; `Invalid` for anything else. */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw invalid(`unsupported digest "${digest}"`);
  return m[1];
}

/** `sha256:` digest of some bytes. */
export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

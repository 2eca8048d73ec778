/**
 * Pure operations on index.json's descriptor list, which is the tag table.
 *
 * Invariant: for every manifest the store holds, index.json has either one
 * descriptor per tag (annotation `org.opencontainers.image.ref.name` = the
 * familiar reference, e.g. `busybox:latest`), or, for a dangling image,
 * exactly one descriptor without that annotation. A tag names one manifest.
 */
import { CREATED, REF_NAME, type OciIndex } from './oci.js';
import type { Descriptor } from './types.js';

/** One image as the index sees it. */
export interface IndexedImage {
  manifest: Descriptor;
  tags: string[];
  /** The index's `created` annotation, if any. */
  created?: string;
}

/** Group descriptors by manifest digest, in index order. */
export function groupIndex(index: OciIndex): IndexedImage[] {
  const byDigest = new Map<string, IndexedImage>();
  for (const d of index.manifests) {
    let img = byDigest.get(d.digest);
    if (!img) {
      img = { manifest: bare(d), tags: [], created: d.annotations?.[CREATED] };
      byDigest.set(d.digest, img);
    }
    const tag = d.annotations?.[REF_NAME];
    if (tag !== undefined && !img.tags.includes(tag)) img.tags.push(tag);
  }
  return [...byDigest.values()];
}

/** A descriptor without annotations. */
function bare(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

function descriptor(img: IndexedImage, tag?: string): Descriptor {
  const annotations: Record<string, string> = {};
  if (img.created !== undefined) annotations[CREATED] = img.created;
  if (tag !== undefined) annotations[REF_NAME] = tag;
  return { ...bare(img.manifest), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
}

/** Rebuild the descriptor list from grouped images (dangling ones get one untagged descriptor). */
export function buildIndex(images: IndexedImage[]): OciIndex {
  const manifests: Descriptor[] = [];
  for (const img of images) {
    if (img.tags.length === 0) manifests.push(descriptor(img));
    for (const tag of img.tags) manifests.push(descriptor(img, tag));
  }
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
}

/** Add an image if its manifest is not indexed yet; returns its entry either way. */
export function ensureImage(images: IndexedImage[], manifest: Descriptor, created?: string): IndexedImage {
  const existing = images.find((i) => i.manifest.digest === manifest.digest);
  if (existing) return existing;
  const img: IndexedImage = { manifest: bare(manifest), tags: [], created };
  images.push(img);
  return img;
}

/** Point `tag` at `img`, taking it from whichever image had it. */
export function setTag(images: IndexedImage[], img: IndexedImage, tag: string): void {
  for (const other of images) other.tags = other.tags.filter((t) => t !== tag);
  img.tags.push(tag);
}

/** Drop a tag; the image stays (dangling when it was its last tag). */
export function removeTag(images: IndexedImage[], tag: string): void {
  for (const img of images) img.tags = img.tags.filter((t) => t !== tag);
}

/** Drop an image from the index. */
export function removeImage(images: IndexedImage[], manifestDigest: string): IndexedImage[] {
  return images.filter((i) => i.manifest.digest !== manifestDigest);
}

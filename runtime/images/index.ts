/** The image store: OCI layout on disk, Docker-style references, save/load/import. */
import { OciImageStore } from './store.js';
import type { ImageStore } from './types.js';

/** Open (creating if needed) the image store kept in `dir` (an OCI image layout). */
export async function openImageStore(dir: string): Promise<ImageStore> {
  return OciImageStore.open(dir);
}

export { OciImageStore } from './store.js';
export { normalizeReference, normalizeTag, parseReference, fullyQualified, idPrefix, type Reference } from './refs.js';
export type * from './types.js';

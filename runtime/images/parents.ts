/**
 * Docker's rule for an image's build parents when the image goes (`rmi`
 * without `noprune`): the parent goes too when nothing else keeps it — no
 * tag, no container, no other child — and so on up the chain.
 */
import { isKind } from '../../lib/errors.js';
import type { Image, ImageStore } from './types.js';

/** Remove the now-unused ancestors of a removed image, starting at `parentId`; returns the IDs removed, child first. */
export async function removeUnusedParents(images: ImageStore, parentId: string | undefined, inUse: (imageId: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  let next = parentId;
  while (next) {
    const parent = await find(images, next);
    if (!parent || parent.repoTags.length > 0 || inUse(parent.id)) break;
    const all = await images.list();
    if (all.some((i) => i.config.parent === parent.id)) break;
    const { deleted } = await images.remove(parent.id, { isInUse: inUse });
    removed.push(...deleted);
    next = parent.config.parent;
  }
  return removed;
}

async function find(images: ImageStore, id: string): Promise<Image | null> {
  return images.get(id).catch((err: unknown) => {
    if (isKind(err, 'NotFound')) return null;
    throw err;
  });
}

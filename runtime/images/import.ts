/** `docker import`: a flat rootfs tar becomes a one-layer image. */
import type { Readable } from 'node:stream';
import type { StoreCore } from './core.js';
import { hostArchitecture } from './platform.js';
import { normalizeTag } from './refs.js';
import type { ContainerConfig, Image, ImageConfig } from './types.js';

/**
 * Store `input` (plain or gzip tar, checked by the extraction rules) as the
 * only layer of a new image for this host's platform; history comment
 * `message` or Docker's "Imported from -".
 */
export async function importRootfs(
  core: StoreCore,
  input: Readable,
  opts: { tag?: string; message?: string; changes?: Partial<ContainerConfig> },
): Promise<Image> {
  const tags = opts.tag ? [normalizeTag(opts.tag)] : [];
  const layer = await core.putLayer(input);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    architecture: hostArchitecture(),
    os: 'linux',
    created,
    config: { ...opts.changes },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, comment: opts.message || 'Imported from -' }],
  };
  const [image] = await core.commitImages([{ configBytes: Buffer.from(JSON.stringify(config)), layers: [layer], tags }], []);
  return image;
}

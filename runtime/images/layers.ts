/** Describing layer blobs: validation, diffID, media type. */
import { createReadStream, promises as fsp } from 'node:fs';
import { isGzip, scanLayer } from '../archive/index.js';
import type { StagedBlob } from './layout.js';
import { MEDIA, UNCOMPRESSED_SIZE } from './oci.js';
import type { Layer } from './types.js';

/** Check a staged layer against the extraction rules and describe it (media type by content). */
export async function describeLayer(staged: StagedBlob): Promise<Layer> {
  const fh = await fsp.open(staged.file, 'r');
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const scan = await scanLayer(createReadStream(staged.file));
  const gzip = isGzip(head);
  return {
    descriptor: {
      mediaType: gzip ? MEDIA.layerGzip : MEDIA.layer, digest: staged.digest, size: staged.size,
      ...(gzip ? { annotations: { [UNCOMPRESSED_SIZE]: String(scan.size) } } : {}),
    },
    diffId: scan.diffId,
  };
}

/**
 * What save/load/import need from the store, as an interface so that those
 * files do not import the store (and the store can import them).
 */
import type { Readable } from 'node:stream';
import type { OciLayout, StagedBlob } from './layout.js';
import type { Image, Layer } from './types.js';

/** A new image to commit: exact config bytes (so its ID is their digest), stored layers, normalized tags. */
export interface ImageSpec {
  configBytes: Buffer;
  layers: Layer[];
  tags: string[];
}

export interface StoreCore {
  readonly layout: OciLayout;
  /** Move staged blobs in and index new images, all or nothing. */
  commitImages(specs: ImageSpec[], staged: StagedBlob[]): Promise<Image[]>;
  /** Store a layer (validated); it stays leased until an image uses it. */
  putLayer(tar: Readable): Promise<Layer>;
}

/**
 * ImageStaging (types.ts) on the OCI layout: a temporary dir under the
 * layout's tmp/, blobs staged into it, committed through the store's
 * `commitImages` (which moves them into blobs/ and removes their files).
 */
import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import type { StoreCore } from './core.js';
import type { StagedBlob } from './layout.js';
import type { Image, ImageStaging, Layer, StagedBlobInfo } from './types.js';

/** Open a staging area of the store `core`. */
export async function openStaging(core: StoreCore): Promise<ImageStaging> {
  return new LayoutStaging(core, await core.layout.makeTempDir('stage'));
}

class LayoutStaging implements ImageStaging {
  /** Staged and not discarded; the same digest may be staged twice (a layer repeated in one manifest). */
  private readonly staged: StagedBlob[] = [];

  constructor(private readonly core: StoreCore, private readonly dir: string) {}

  async stageBlob(input: Readable | AsyncIterable<Buffer>): Promise<StagedBlobInfo> {
    const blob = await this.core.layout.stage(input, this.dir);
    this.staged.push(blob);
    return blob;
  }

  async discard(blob: StagedBlobInfo): Promise<void> {
    const i = this.staged.findIndex((s) => s === blob);
    if (i < 0) return;
    const [gone] = this.staged.splice(i, 1);
    await fsp.rm(gone.file, { force: true });
  }

  async commit(image: { configBytes: Buffer; layers: Layer[]; tags: string[] }): Promise<Image> {
    const blobs = this.staged.splice(0);
    const [committed] = await this.core.commitImages([image], blobs);
    return committed;
  }

  async close(): Promise<void> {
    this.staged.length = 0;
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

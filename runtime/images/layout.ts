/**
 * The OCI image layout on disk:
 *
 *   <dir>/oci-layout          {"imageLayoutVersion":"1.0.0"}
 *   <dir>/index.json          the image index: one descriptor per (manifest, tag)
 *   <dir>/blobs/sha256/<hex>  content-addressed blobs
 *   <dir>/tmp/                staging area (same filesystem, so renames are atomic);
 *                             emptied when the store opens
 *
 * Blobs are staged (written to tmp/ while hashing, fsynced), then renamed into
 * place; a blob that is already there is never rewritten. index.json is
 * replaced atomically and is the only mutable file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { internal, isErrno, notFound } from '../../lib/errors.js';
import { readJsonIfExists, syncDir, writeFileAtomic, writeJsonAtomic } from '../../lib/fs.js';
import { digestHex, MEDIA, sha256, type OciIndex } from './oci.js';

/** A blob written to tmp/, hashed, not yet in blobs/. */
export interface StagedBlob {
  file: string;
  digest: string;
  size: number;
}

/** The files of one OCI image layout directory. */
export class OciLayout {
  private readonly blobDir: string;
  private readonly tmpDir: string;

  constructor(readonly dir: string) {
    this.blobDir = path.join(dir, 'blobs', 'sha256');
    this.tmpDir = path.join(dir, 'tmp');
  }

  /** Create the layout if needed and clear leftovers of interrupted writes. */
  async init(): Promise<void> {
    await fsp.mkdir(this.blobDir, { recursive: true });
    await fsp.rm(this.tmpDir, { recursive: true, force: true });
    await fsp.mkdir(this.tmpDir, { recursive: true });
    const layoutFile = path.join(this.dir, 'oci-layout');
    if ((await readJsonIfExists(layoutFile)) === undefined) {
      await writeFileAtomic(layoutFile, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    }
    if ((await readJsonIfExists(this.indexFile)) === undefined) await this.writeIndex({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [] });
  }

  private get indexFile(): string {
    return path.join(this.dir, 'index.json');
  }

  /** The current index. */
  async readIndex(): Promise<OciIndex> {
    const index = await readJsonIfExists<OciIndex>(this.indexFile);
    if (!index || !Array.isArray(index.manifests)) throw internal(`image index ${this.indexFile} is missing or corrupt`);
    return index;
  }

  /** Replace the index atomically. */
  async writeIndex(index: OciIndex): Promise<void> {
    await writeJsonAtomic(this.indexFile, index);
  }

  /** Path of a blob. */
  blobPath(digest: string): string {
    return path.join(this.blobDir, digestHex(digest));
  }

  /** True when the blob is stored. */
  async hasBlob(digest: string): Promise<boolean> {
    try {
      await fsp.access(this.blobPath(digest));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** A stored blob's bytes; `NotFound` when missing. */
  async readBlob(digest: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.blobPath(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound(`blob ${digest} is missing from the image store`, err);
      throw err;
    }
  }

  /** A stored blob as a stream. */
  openBlob(digest: string): Readable {
    return createReadStream(this.blobPath(digest));
  }

  /** Digests of every stored blob. */
  async listBlobs(): Promise<string[]> {
    return (await fsp.readdir(this.blobDir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Delete a blob; returns the bytes freed (0 when it was not there). */
  async removeBlob(digest: string): Promise<number> {
    const file = this.blobPath(digest);
    try {
      const { size } = await fsp.stat(file);
      await fsp.rm(file);
      return size;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return 0;
      throw err;
    }
  }

  /** A fresh directory under tmp/ for multi-file staging (loads). */
  async makeTempDir(prefix: string): Promise<string> {
    return fsp.mkdtemp(path.join(this.tmpDir, `${prefix}-`));
  }

  /** Stream bytes into a staged blob (fsynced), hashing them; `dir` defaults to tmp/. */
  async stage(input: Readable | AsyncIterable<Buffer>, dir = this.tmpDir): Promise<StagedBlob> {
    const file = path.join(dir, `blob-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); },
    });
    try {
      await pipeline(input, tap, createWriteStream(file, { flush: true }));
    } catch (err) {
      await fsp.rm(file, { force: true });
      throw err;
    }
    return { file, digest: `sha256:${hash.digest('hex')}`, size };
  }

  /** Stage bytes already in memory. */
  async stageBytes(data: Buffer): Promise<StagedBlob> {
    const file = path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    await writeFileAtomic(file, data);
    return { file, digest: sha256(data), size: data.length };
  }

  /**
   * Move a staged blob into blobs/ unless that digest is stored already (then
   * the staged copy is dropped). True when the blob is new. Callers hold the
   * store's write lock, so "new" stays true until they release it.
   */
  async commit(staged: StagedBlob): Promise<boolean> {
    if (await this.hasBlob(staged.digest)) {
      await fsp.rm(staged.file, { force: true });
      return false;
    }
    await fsp.rename(staged.file, this.blobPath(staged.digest));
    return true;
  }

  /** Make renames into blobs/ durable. */
  async syncBlobs(): Promise<void> {
    await syncDir(this.blobDir);
  }
}

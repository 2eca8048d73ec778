/**
 * Layer streams as they come: plain tar or gzip, told apart by their magic
 * bytes (as Docker does), plus a tap that digests the uncompressed bytes.
 */
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { invalid, unavailable } from '../../lib/errors.js';
import { findBinary } from '../../lib/binaries.js';
import { throughDecompressor } from './filters.js';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** True when the first bytes are gzip's magic. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head.subarray(0, 2).equals(GZIP);
}

/** True when the first bytes are zstd's magic. */
export function isZstd(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(ZSTD);
}

/** Pipeline stage: yields the uncompressed bytes of a plain, gzip (pigz when present) or zstd stream. */
export async function* decompress(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    yield* rest;
  }
  if (isZstd(head)) {
    const zstd = await findBinary('zstd');
    if (!zstd) throw unavailable('a zstd-compressed layer needs the zstd program (Debian package zstd)');
    return yield* throughDecompressor(zstd, 'zstd', whole());
  }
  if (!isGzip(head)) {
    yield* whole();
    return;
  }
  const pigz = await findBinary('pigz');
  if (pigz) return yield* throughDecompressor(pigz, 'gzip', whole());
  const gunzip = createGunzip();
  const source2 = Readable.from(whole());
  source2.on('error', (err) => gunzip.destroy(err));
  try {
    yield* source2.pipe(gunzip);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) throw invalid(`layer is not valid gzip: ${(err as Error).message}`, err);
    throw err;
  } finally {
    source2.destroy();
  }
}

/** Digest and byte count of everything that passes through `tap`. */
export class DigestTap {
  private readonly hash = createHash('sha256');
  size = 0;

  /** Pipeline stage that hashes and passes chunks on unchanged. */
  readonly tap = (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> => this.pass(source);

  private async *pass(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.hash.update(chunk);
      this.size += chunk.length;
      yield chunk;
    }
  }

  /** `sha256:<hex>` of what passed (call once, at the end). */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

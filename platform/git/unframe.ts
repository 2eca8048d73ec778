/**
 * tspaasd's side of the archive framing (protocol.ts): frames in, the
 * archive's bytes out; the stream fails when it ends before the empty frame.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { invalid } from '../../lib/errors.js';

/** A Transform from framed bytes to the archive; errors when the last frame never came. */
export function createUnframer(): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (!done && pending.length >= 4) {
        const size = pending.readUInt32BE(0);
        if (size === 0) {
          done = true;
          break;
        }
        if (pending.length < 4 + size) break;
        this.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      if (done) pending = Buffer.alloc(0);
      cb();
    },
    flush(cb: TransformCallback) {
      cb(done ? null : invalid('the push was interrupted before the whole source arrived'));
    },
  });
}

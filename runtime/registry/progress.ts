/** Per-layer progress in Docker's words, with byte counts sent at most every 100 ms per layer. */
import { Transform } from 'node:stream';
import type { OnProgress } from '../types.js';

/** Docker's short layer id: the first 12 hex digits of the digest. */
export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** Progress reporter for one blob. */
export class BlobProgress {
  readonly id: string;
  private last = 0;

  constructor(private readonly onProgress: OnProgress | undefined, digest: string, readonly total: number) {
    this.id = shortDigest(digest);
  }

  /** A status without byte counts ("Waiting", "Pull complete"…). */
  say(status: string): void {
    this.onProgress?.({ id: this.id, status });
  }

  /** A pass-through stream that reports `status` ("Downloading", "Pushing") with bytes so far. */
  counter(status: string, from = 0): Transform {
    let current = from;
    return new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        current += chunk.length;
        const now = Date.now();
        if (now - this.last >= 100 || current === this.total) {
          this.last = now;
          this.onProgress?.({ id: this.id, status, current, total: this.total });
        }
        cb(null, chunk);
      },
    });
  }
}

/**
 * External decompressors: `pigz -dc` (parallel reads/checksums, about twice
 * zlib's speed) for gzip when the host has it, and `zstd -dc` for zstd
 * layers. Both come from Debian packages (pigz, zstd); without pigz, gzip
 * falls back to zlib, without zstd a zstd layer is `Unavailable`.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, unavailable } from '../../lib/errors.js';

/** Pipeline stage: `input` through `bin -dc`; a non-zero exit is an `Invalid` layer (`what` names the format). */
export async function* throughDecompressor(bin: string, what: string, input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const child = spawn(bin, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { if (stderr.length < 4096) stderr += b.toString(); });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(unavailable(`cannot run ${bin}: ${e.message}`, e)));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // only keeps an early rejection from being unhandled: `exited` is awaited below
  const feeding = pipeline(Readable.from(input), child.stdin).then(() => null, (err: unknown) => err);
  let finished = false;
  try {
    yield* child.stdout as AsyncIterable<Buffer>;
    const feedErr = await feeding;
    // the source's own failure (a broken download) beats the decompressor's complaint about a truncated input
    if (feedErr && (feedErr as NodeJS.ErrnoException).code !== 'EPIPE') throw feedErr;
    const code = await exited;
    if (code !== 0) throw invalid(`layer is not valid ${what}: ${stderr.trim() || `exit code ${code}`}`);
    finished = true;
  } finally {
    if (!finished) child.kill('SIGKILL');
  }
}

/**
 * The build context on disk: the tar the client sent, extracted with the
 * engine's safe extraction rules into a private temporary directory, plus
 * its `.dockerignore` patterns and the Dockerfile's text. A body that is not
 * a tar is the Dockerfile itself, with an empty context.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { invalid, isErrno } from '../../lib/errors.js';
import { applyLayer } from '../archive/index.js';
import { parseIgnore, type IgnorePatterns } from './ignore.js';
import { resolveInScope } from './context-path.js';

export interface BuildContext {
  /** Root of the extracted context. */
  dir: string;
  /** Scratch space for this build (downloads, heredocs, files from other stages). */
  scratch: string;
  ignore: IgnorePatterns;
  dockerfile: string;
  /** Remove the context and the scratch space. */
  close(): Promise<void>;
}

const MAX_DOCKERFILE = 16 << 20;

/** Extract `body` under `tmpRoot` and read the Dockerfile at `dockerfilePath` (relative to the context). */
export async function openContext(body: Readable, tmpRoot: string, dockerfilePath = 'Dockerfile'): Promise<BuildContext> {
  const base = path.join(tmpRoot, randomBytes(8).toString('hex'));
  const dir = path.join(base, 'context');
  const scratch = path.join(base, 'scratch');
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.mkdir(scratch, { recursive: true, mode: 0o700 });
  const close = () => fsp.rm(base, { recursive: true, force: true });
  try {
    const { head, stream } = await peek(body, 512);
    if (looksLikeTar(head)) await applyLayer(stream, dir, { whiteouts: 'apply' });
    else await fsp.writeFile(path.join(dir, 'Dockerfile'), await readAll(stream));
    const ignore = parseIgnore(await readInside(dir, '.dockerignore') ?? '');
    const dockerfile = await readInside(dir, dockerfilePath) ?? (dockerfilePath === 'Dockerfile' ? await readInside(dir, 'dockerfile') : null);
    if (dockerfile === null) throw invalid(`Cannot locate specified Dockerfile: ${dockerfilePath}`);
    return { dir, scratch, ignore, dockerfile, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A tar (ustar magic, or an all-zero first block) or a gzip stream. */
function looksLikeTar(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  return head.length === 512 && head.every((b) => b === 0);
}

/** The first `n` bytes (fewer at the end of the stream) and a stream that still yields everything. */
async function peek(body: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < n) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  return { head, stream: Readable.from(all()) };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_DOCKERFILE) throw invalid('the Dockerfile is too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** A file's text when `rel`, resolved inside `dir` (symlinks followed within it), is a regular file there; else null. */
async function readInside(dir: string, rel: string): Promise<string | null> {
  try {
    const file = await resolveInScope(dir, rel);
    const st = await fsp.lstat(file);
    if (!st.isFile() || st.size > MAX_DOCKERFILE) return null;
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}

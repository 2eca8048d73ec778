/**
 * Request bodies. Normal requests stream their body through `req`; for an
 * upgrade request Node hands over the raw socket instead, so the body (e.g.
 * exec start's `{"Detach":false,"Tty":true}`) is read from the bytes that
 * follow the headers, and whatever comes after it is left for the hijack.
 */
import type { Socket } from 'node:net';
import { invalid } from '../../../lib/errors.js';
import type { ApiCall, UpgradeState } from '../api-call.js';

const MAX_JSON_BODY = 16 << 20;

/** The whole request body (at most `limit` bytes). */
export async function readBody(call: ApiCall, limit = MAX_JSON_BODY): Promise<Buffer> {
  if (call.upgrade) return readUpgradeBody(call.upgrade, call.req.headers['content-length'], limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of call.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw invalid(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as JSON; `undefined` for an empty body or a literal `null`. */
export async function readJson<T>(call: ApiCall): Promise<T | undefined> {
  const body = await readBody(call);
  if (body.length === 0) return undefined;
  try {
    return (JSON.parse(body.toString('utf8')) ?? undefined) as T | undefined;
  } catch (err) {
    throw invalid(`invalid JSON: ${(err as Error).message}`, err);
  }
}

async function readUpgradeBody(up: UpgradeState, contentLength: string | undefined, limit: number): Promise<Buffer> {
  const length = contentLength ? Number(contentLength) : 0;
  if (!Number.isInteger(length) || length < 0) throw invalid(`invalid Content-Length: ${contentLength}`);
  if (length > limit) throw invalid(`request body larger than ${limit} bytes`);
  const buf = up.head.length >= length ? up.head : Buffer.concat([up.head, await readMore(up.socket, length - up.head.length)]);
  up.head = buf.subarray(length);
  return buf.subarray(0, length);
}

/** Read at least `n` bytes from a raw socket, then pause it again. */
function readMore(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (err?: Error) => {
      socket.off('data', onData).off('end', onEnd).off('error', done);
      socket.pause();
      if (err) reject(err); else resolve(Buffer.concat(chunks));
    };
    const onData = (d: Buffer) => { chunks.push(d); got += d.length; if (got >= n) done(); };
    const onEnd = () => done(invalid('connection closed before the request body was complete'));
    socket.on('data', onData).on('end', onEnd).on('error', done);
  });
}

/**
 * Getting one blob into a repository, cheapest first: already there (HEAD),
 * mounted from another repository of the same registry, or uploaded — in one
 * PUT, or in PATCH chunks of `chunkSize` bytes closed by a PUT.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unavailable } from '../../lib/errors.js';
import type { Descriptor } from '../images/types.js';
import type { RegistrySession } from './client.js';
import { replyError } from './http.js';
import type { BlobProgress } from './progress.js';

export interface BlobUpload {
  s: RegistrySession;
  repo: string;
  blob: Descriptor;
  /** Read the blob's bytes `start` to `end` inclusive from the image store. */
  open(range: { start: number; end: number }): Readable;
  /** Repositories of the same registry that may hold it (tried as mount sources). */
  mountFrom: string[];
  chunkSize: number;
  progress: BlobProgress | null;
}

/** What happened to the blob: `exists`, `mounted` (from that repository) or `pushed`. */
export type UploadResult = { how: 'exists' } | { how: 'mounted'; from: string } | { how: 'pushed' };

/** Make sure the repository has the blob. */
export async function uploadBlob(u: BlobUpload): Promise<UploadResult> {
  const head = await u.s.request({ method: 'HEAD', path: `/v2/${u.repo}/blobs/${u.blob.digest}` });
  head.resume();
  if (head.statusCode === 200) return { how: 'exists' };
  let location: string | null = null;
  for (const from of u.mountFrom) {
    const res = await u.s.request({ method: 'POST', path: `/v2/${u.repo}/blobs/uploads/?mount=${encodeURIComponent(u.blob.digest)}&from=${encodeURIComponent(from)}`, headers: { 'Content-Length': '0' } });
    if (res.statusCode === 201) return res.resume(), { how: 'mounted', from };
    if (res.statusCode !== 202) throw await replyError(res, `mount of ${u.blob.digest} into ${u.s.registry}/${u.repo}`);
    res.resume();
    location = locationOf(res.headers.location, u);
    break; // the registry started an upload instead: use it
  }
  location ??= await startUpload(u);
  if (u.chunkSize > 0 && u.blob.size > u.chunkSize) location = await sendChunks(u, location);
  else location = withDigest(location, u);
  const put = u.chunkSize > 0 && u.blob.size > u.chunkSize
    ? await u.s.request({ method: 'PUT', path: location, headers: { 'Content-Length': '0' } })
    : await u.s.request({ method: 'PUT', path: location, headers: octets(u.blob.size), body: () => body(u, 0, u.blob.size - 1) });
  if (put.statusCode !== 201) throw await replyError(put, `upload of ${u.blob.digest} to ${u.s.registry}/${u.repo}`);
  put.resume();
  return { how: 'pushed' };
}

async function startUpload(u: BlobUpload): Promise<string> {
  const res = await u.s.request({ method: 'POST', path: `/v2/${u.repo}/blobs/uploads/`, headers: { 'Content-Length': '0' } });
  if (res.statusCode !== 202) throw await replyError(res, `upload to ${u.s.registry}/${u.repo}`);
  res.resume();
  return locationOf(res.headers.location, u);
}

/** PATCH the blob in chunks; returns the location to close the upload at (with `digest=`). */
async function sendChunks(u: BlobUpload, location: string): Promise<string> {
  let at = location;
  for (let start = 0; start < u.blob.size; start += u.chunkSize) {
    const end = Math.min(start + u.chunkSize, u.blob.size) - 1;
    const res = await u.s.request({
      method: 'PATCH', path: at, headers: { ...octets(end - start + 1), 'Content-Range': `${start}-${end}` }, body: () => body(u, start, end),
    });
    if (res.statusCode !== 202) throw await replyError(res, `chunk ${start}-${end} of ${u.blob.digest} to ${u.s.registry}/${u.repo}`);
    res.resume();
    at = locationOf(res.headers.location, u);
  }
  return withDigest(at, u);
}

function body(u: BlobUpload, start: number, end: number): Readable {
  const file = u.open({ start, end });
  if (!u.progress) return file;
  const counter = u.progress.counter('Pushing', start);
  pipeline(file, counter).catch(() => undefined); // a read error destroys the counter, which aborts the request
  return counter;
}

function octets(size: number): Record<string, string> {
  return { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) };
}

function locationOf(location: string | undefined, u: BlobUpload): string {
  if (!location) throw unavailable(`registry ${u.s.registry} started an upload without a Location`);
  return location;
}

/** The upload location with `digest=<d>` added to its query. */
function withDigest(location: string, u: BlobUpload): string {
  const url = new URL(location, u.s.base);
  url.searchParams.set('digest', u.blob.digest);
  return url.toString();
}

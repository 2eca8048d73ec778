/**
 * Pull: manifest (an index resolved to this host's platform) → config →
 * layers, three at a time. Each layer streams once from the registry into
 * two consumers at the same time: the store's staging area (hashing it for
 * the digest check) and the safe-extraction scan (decompressing it for the
 * diffID). The image is committed only when everything matched; any failure
 * removes what was staged, so the store is unchanged.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid } from '../../lib/errors.js';
import { isGzip, scanLayer } from '../archive/index.js';
import { isZstd } from '../archive/compression.js';
import { MEDIA, UNCOMPRESSED_SIZE, sha256 } from '../images/oci.js';
import { normalizeTag } from '../images/refs.js';
import type { Descriptor, Image, ImageConfig, ImageStaging, ImageStore, Layer, StagedBlobInfo } from '../images/types.js';
import type { RegistrySession } from './client.js';
import { readAll, replyError } from './http.js';
import { locateManifest } from './mirrors.js';
import { mapLimit } from '../../lib/parallel.js';
import { BlobProgress } from './progress.js';
import { BlobSources } from './sources.js';
import type { PullOptions, RegistryConfig } from './types.js';

const PARALLEL = 3;
const LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

/** Pull `ref` into `store`; returns the image and the registry's manifest digest. */
export async function pullImage(store: ImageStore, cfg: RegistryConfig, ref: string, opts: PullOptions = {}): Promise<{ image: Image; digest: string }> {
  const { s, r, manifest, digest } = await locateManifest(cfg, ref, opts.auth);
  const configBytes = await fetchSmallBlob(s, r.repository, manifest.config);
  const config = parseConfig(configBytes, manifest.layers.length, ref);
  const known = await knownLayers(store);
  const staging = await store.stage();
  try {
    for (const d of manifest.layers) new BlobProgress(opts.onProgress, d.digest, d.size).say('Pulling fs layer');
    const layers = await mapLimit(manifest.layers, PARALLEL, (d, i) => fetchLayer({ s, repo: r.repository, staging, opts }, d, config.rootfs.diff_ids[i], known));
    const tags = r.byDigest ? [] : [normalizeTag(ref)];
    const image = await staging.commit({ configBytes, layers, tags });
    await new BlobSources(cfg.stateDir).record(r.registry, r.repository, [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
    opts.onProgress?.({ status: `Digest: ${digest}` });
    return { image, digest };
  } finally {
    await staging.close();
  }
}

function parseConfig(bytes: Buffer, layerCount: number, ref: string): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw invalid(`the image config of ${ref} is not valid JSON`, err);
  }
  const ids = config?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.length !== layerCount) throw invalid(`${ref}: config rootfs.diff_ids does not match its ${layerCount} layers`);
  return config;
}

/** GET a blob; the response once its status is 200. */
export async function openBlob(s: RegistrySession, repo: string, d: Descriptor): Promise<Readable> {
  const res = await s.request({ method: 'GET', path: `/v2/${repo}/blobs/${d.digest}` });
  if (res.statusCode !== 200) throw await replyError(res, `blob ${d.digest} of ${s.registry}/${repo}`);
  return res;
}

/** A config-sized blob in memory, digest checked. */
async function fetchSmallBlob(s: RegistrySession, repo: string, d: Descriptor): Promise<Buffer> {
  const bytes = await readAll(await openBlob(s, repo, d) as never, 16 * 1024 * 1024);
  const got = sha256(bytes);
  if (got !== d.digest) throw invalid(`digest mismatch for blob ${d.digest} of ${s.registry}/${repo}: got ${got}`);
  return bytes;
}

/** Layers of the images in the store, by blob digest (reused instead of downloaded). */
async function knownLayers(store: ImageStore): Promise<Map<string, Layer>> {
  const map = new Map<string, Layer>();
  for (const img of await store.list()) for (const l of img.layers) map.set(l.descriptor.digest, l);
  return map;
}

interface LayerJob {
  s: RegistrySession;
  repo: string;
  staging: ImageStaging;
  opts: PullOptions;
}

async function fetchLayer({ s, repo, staging, opts }: LayerJob, d: Descriptor, diffId: string, known: Map<string, Layer>): Promise<Layer> {
  const progress = new BlobProgress(opts.onProgress, d.digest, d.size);
  const have = known.get(d.digest);
  if (have && have.diffId === diffId) {
    progress.say('Already exists');
    return have;
  }
  const body = await openBlob(s, repo, d);
  const { staged, scan, head } = await stageAndScan(body, progress, staging);
  try {
    if (staged.digest !== d.digest || staged.size !== d.size) {
      throw invalid(`digest mismatch for layer ${d.digest} of ${s.registry}/${repo}: got ${staged.digest} (${staged.size} bytes, expected ${d.size})`);
    }
    progress.say('Verifying Checksum');
    progress.say('Download complete');
    if (scan instanceof Error) throw scan;
    if (scan.diffId !== diffId) throw invalid(`layer ${d.digest} of ${s.registry}/${repo} does not match diff_id ${diffId} of its config (got ${scan.diffId})`);
  } catch (err) {
    await staging.discard(staged);
    throw err;
  }
  progress.say('Pull complete');
  return { descriptor: storedDescriptor(staged, head, scan.size), diffId: scan.diffId };
}

/**
 * One download feeding two consumers: the staged blob (digest) and the
 * extraction-rules scan (diffID). A failing scan does not stop the download,
 * so that a corrupt blob is reported by its digest, which is checked first;
 * a failing download or disk removes the staged file.
 */
async function stageAndScan(body: Readable, progress: BlobProgress, staging: ImageStaging): Promise<Staged> {
  const toDisk = new PassThrough({ highWaterMark: 1 << 20 });
  const toScan = new PassThrough({ highWaterMark: 1 << 20 });
  const scanning = scanLayer(toScan).then((v) => v, (err: unknown) => { toScan.destroy(); return err instanceof Error ? err : new Error(String(err)); });
  const stored = staging.stageBlob(toDisk);
  stored.catch(() => undefined); // awaited below on every path; this only keeps an early rejection from being unhandled
  const head: Buffer[] = [];
  try {
    await pipeline(body, progress.counter('Downloading'), (src: AsyncIterable<Buffer>) => tee(src, [toDisk, toScan], head));
  } catch (err) {
    toDisk.destroy();
    toScan.destroy();
    await stored.then((st) => staging.discard(st), () => undefined); // a failed stage left nothing to discard
    await scanning;
    throw err;
  }
  const [staged, scan] = await Promise.all([stored, scanning]);
  return { staged, scan, head: Buffer.concat(head).subarray(0, 4) };
}

interface Staged {
  staged: StagedBlobInfo;
  /** The scan's result, or why the layer broke the rules. */
  scan: { diffId: string; size: number } | Error;
  head: Buffer;
}

/** Write every chunk to each output still open, waiting for the slowest; keeps the first bytes in `head`. */
async function tee(source: AsyncIterable<Buffer>, outs: PassThrough[], head: Buffer[]): Promise<void> {
  let seen = 0;
  for await (const chunk of source) {
    if (seen < 4) head.push(chunk.subarray(0, 4));
    seen += chunk.length;
    await Promise.all(outs.filter((o) => !o.destroyed).map((o) => (o.write(chunk) ? undefined : drained(o))));
  }
  for (const o of outs) if (!o.destroyed) o.end();
}

function drained(o: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { o.off('drain', done); o.off('close', done); resolve(); };
    o.once('drain', done);
    o.once('close', done);
  });
}

/** The store's descriptor of a pulled layer: media type by content, uncompressed size when compressed. */
function storedDescriptor(staged: StagedBlobInfo, head: Buffer, uncompressed: number): Descriptor {
  const mediaType = isGzip(head) ? MEDIA.layerGzip : isZstd(head) ? LAYER_ZSTD : MEDIA.layer;
  const compressed = mediaType !== MEDIA.layer;
  return {
    mediaType, digest: staged.digest, size: staged.size,
    ...(compressed ? { annotations: { [UNCOMPRESSED_SIZE]: String(uncompressed) } } : {}),
  };
}

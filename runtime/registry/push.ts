/**
 * Push: every blob of the image (layers three at a time, then the config)
 * into the target repository, then the image store's own manifest under the
 * tag. The manifest's digest is therefore `Image.manifestDigest`.
 */
import { invalid } from '../../lib/errors.js';
import { MEDIA, sha256, type OciManifest } from '../images/oci.js';
import type { Descriptor, ImageStore } from '../images/types.js';
import { RegistrySession } from './client.js';
import { replyError } from './http.js';
import { mapLimit } from '../../lib/parallel.js';
import { BlobProgress } from './progress.js';
import { remoteRef } from './reference.js';
import { BlobSources } from './sources.js';
import type { PushOptions, RegistryConfig } from './types.js';
import { uploadBlob, type UploadResult } from './upload.js';

const PARALLEL = 3;

/** Push the image `ref` names to the registry and repository it names; the manifest's digest and size. */
export async function pushImage(store: ImageStore, cfg: RegistryConfig, ref: string, opts: PushOptions = {}): Promise<{ digest: string; size: number; tag: string }> {
  const r = remoteRef(ref);
  if (r.byDigest) throw invalid(`cannot push a digest reference: "${ref}"; push a tag`);
  const image = await store.get(ref);
  const manifestBytes = await store.readBlob(image.manifestDigest);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as OciManifest;
  const sources = new BlobSources(cfg.stateDir);
  const blobs = [...manifest.layers, manifest.config];
  const mounts = new Map<string, string[]>();
  for (const b of blobs) mounts.set(b.digest, await sources.find(b.digest, r.registry, r.repository));
  const fromRepos = [...new Set([...mounts.values()].flat())];
  const scopes = [`repository:${r.repository}:pull,push`, ...fromRepos.map((f) => `repository:${f}:pull`)];
  const s = await RegistrySession.open(r.registry, cfg, opts.auth, scopes);
  opts.onProgress?.({ status: `The push refers to repository [${r.registry}/${r.repository}]` });
  const progress = new Map(manifest.layers.map((l) => [l.digest, new BlobProgress(opts.onProgress, l.digest, l.size)]));
  for (const p of progress.values()) p.say('Preparing');
  for (const p of progress.values()) p.say('Waiting');
  const send = (blob: Descriptor) => uploadBlob({
    s, repo: r.repository, blob, open: (range) => store.openBlob(blob.digest, range), mountFrom: mounts.get(blob.digest) ?? [],
    chunkSize: opts.chunkSize ?? 0, progress: progress.get(blob.digest) ?? null,
  }).then((res) => report(progress.get(blob.digest), res));
  await mapLimit(manifest.layers, PARALLEL, send);
  await send(manifest.config);
  await putManifest(s, r.repository, r.reference, manifestBytes, manifest.mediaType ?? MEDIA.manifest);
  await sources.record(r.registry, r.repository, blobs.map((b) => b.digest));
  const digest = sha256(manifestBytes);
  opts.onProgress?.({ status: `${r.reference}: digest: ${digest} size: ${manifestBytes.length}` });
  return { digest, size: manifestBytes.length, tag: r.reference };
}

function report(p: BlobProgress | undefined, res: UploadResult): void {
  if (!p) return;
  if (res.how === 'exists') p.say('Layer already exists');
  else if (res.how === 'mounted') p.say(`Mounted from ${res.from}`);
  else p.say('Pushed');
}

async function putManifest(s: RegistrySession, repo: string, tag: string, bytes: Buffer, mediaType: string): Promise<void> {
  const res = await s.request({
    method: 'PUT', path: `/v2/${repo}/manifests/${tag}`, headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) }, body: bytes,
  });
  if (res.statusCode !== 201) throw await replyError(res, `manifest ${s.registry}/${repo}:${tag}`);
  res.resume();
}

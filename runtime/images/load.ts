/**
 * `docker load`: read a `docker save` tar (old `<id>/layer.tar` layout or
 * Docker 25+'s `blobs/sha256/…`; both found through `manifest.json`) or an
 * OCI image layout tar (`index.json`), plain or gzip.
 *
 * All or nothing: every member is spooled to a private temp dir first; every
 * layer is checked by the safe-extraction rules and against the config's
 * diff_ids; only then are blobs moved in and the index written (one commit).
 * A refused archive leaves the store as it was, temp files included.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { TspaasError, invalid } from '../../lib/errors.js';
import { decompress } from '../archive/compression.js';
import type { ImageSpec, StoreCore } from './core.js';
import { describeLayer } from './layers.js';
import type { OciLayout, StagedBlob } from './layout.js';
import { MEDIA, REF_NAME, type OciIndex, type OciManifest } from './oci.js';
import { matchesHost } from './platform.js';
import { normalizeTag } from './refs.js';
import type { Descriptor, Image, ImageConfig, Layer } from './types.js';

/** The archive's members, spooled: regular files, and links as aliases. */
class Spool {
  readonly files = new Map<string, StagedBlob>();
  readonly aliases = new Map<string, string>();
  private readonly layers = new Map<string, Layer>();

  /** The staged file of a member (following links); `Invalid` when absent. */
  need(name: string): StagedBlob {
    let key = clean(name);
    for (let hops = 0; hops < 16 && !this.files.has(key); hops++) {
      const next = this.aliases.get(key);
      if (next === undefined) break;
      key = next;
    }
    const file = this.files.get(key);
    if (!file) throw invalid(`archive names "${name}", which it does not contain`);
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(key);
    if (m && file.digest !== `sha256:${m[1]}`) throw invalid(`archive member "${key}" does not match its digest`);
    return file;
  }

  /** The JSON content of a member. */
  async json<T>(name: string): Promise<T> {
    try {
      return JSON.parse(await fsp.readFile(this.need(name).file, 'utf8')) as T;
    } catch (err) {
      if (err instanceof SyntaxError) throw invalid(`archive member "${name}" is not valid JSON`, err);
      throw err;
    }
  }

  /** A layer member, checked (rules, digest) once however many images use it. */
  async layer(name: string): Promise<Layer> {
    const blob = this.need(name);
    let layer = this.layers.get(blob.digest);
    if (!layer) {
      layer = await describeLayer(blob);
      this.layers.set(blob.digest, layer);
    }
    return layer;
  }
}

/** Member names without `./`, leading or trailing slashes. */
function clean(name: string): string {
  return path.posix.normalize(name).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

async function spool(input: Readable, dir: string, layout: OciLayout): Promise<Spool> {
  const s = new Spool();
  const extract = tar.extract();
  const feeding = pipeline(input, decompress, extract);
  feeding.catch(() => undefined); // only keeps an early rejection from being unhandled: `feeding` is awaited below
  for await (const entry of extract) {
    const name = clean(entry.header.name);
    if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
      s.files.set(name, await layout.stage(entry as unknown as AsyncIterable<Buffer>, dir));
      continue;
    }
    const target = entry.header.linkname ?? '';
    if (entry.header.type === 'symlink') s.aliases.set(name, clean(path.posix.join(path.posix.dirname(name), target)));
    if (entry.header.type === 'link') s.aliases.set(name, clean(target));
    entry.resume();
  }
  await feeding;
  return s;
}

function checkConfig(config: ImageConfig, layerCount: number, what: string): void {
  const ids = config?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.length !== layerCount) throw invalid(`${what}: config rootfs.diff_ids does not match its ${layerCount} layers`);
}

/** Build one image from a config member and layer members, verifying every diffID. */
async function imageSpec(s: Spool, configName: string, layerNames: string[], tags: string[]): Promise<ImageSpec> {
  const blob = s.need(configName);
  const configBytes = await fsp.readFile(blob.file);
  const config = await s.json<ImageConfig>(configName);
  const what = tags[0] ?? blob.digest;
  checkConfig(config, layerNames.length, what);
  const layers: Layer[] = [];
  for (const [i, name] of layerNames.entries()) {
    const layer = await s.layer(name);
    if (layer.diffId !== config.rootfs.diff_ids[i]) throw invalid(`${what}: layer "${name}" does not match diff_id ${i} of its config`);
    layers.push(layer);
  }
  return { configBytes, layers, tags };
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function fromDockerSave(s: Spool): Promise<ImageSpec[]> {
  const entries = await s.json<DockerManifestEntry[]>('manifest.json');
  if (!Array.isArray(entries)) throw invalid('manifest.json is not a list of images');
  const specs: ImageSpec[] = [];
  for (const e of entries) {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw invalid('manifest.json has an entry without Config or Layers');
    specs.push(await imageSpec(s, e.Config, e.Layers, (e.RepoTags ?? []).map(normalizeTag)));
  }
  return specs;
}

const blobMember = (d: Descriptor) => `blobs/${d.digest.replace(':', '/')}`;

/** Tags of an OCI index descriptor: containerd's full name, else a ref.name that is a whole reference. */
function ociTags(d: Descriptor): string[] {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full) return [normalizeTag(full)];
  const ref = d.annotations?.[REF_NAME];
  // a bare ref.name ("latest") is a tag without a repository: the image is loaded untagged
  return ref && /[:/]/.test(ref) ? [normalizeTag(ref)] : [];
}

/** Manifest descriptors behind an index descriptor (an image index picks this host's platform). */
async function manifestsOf(s: Spool, d: Descriptor): Promise<Descriptor[]> {
  if (d.mediaType !== MEDIA.index && d.mediaType !== MEDIA.dockerList) return [d];
  const nested = await s.json<OciIndex>(blobMember(d));
  const all = nested.manifests ?? [];
  const pick = all.find((m) => matchesHost((m as Descriptor & { platform?: { os?: string; architecture?: string } }).platform)) ?? all[0];
  if (!pick) throw invalid(`image index ${d.digest} lists no manifests`);
  return [pick];
}

async function fromOciLayout(s: Spool): Promise<ImageSpec[]> {
  const index = await s.json<OciIndex>('index.json');
  if (!Array.isArray(index?.manifests)) throw invalid('index.json has no manifests list');
  const specs: ImageSpec[] = [];
  for (const top of index.manifests) {
    for (const d of await manifestsOf(s, top)) {
      const manifest = await s.json<OciManifest>(blobMember(d));
      if (!manifest?.config || !Array.isArray(manifest.layers)) throw invalid(`manifest ${d.digest} is malformed`);
      specs.push(await imageSpec(s, blobMember(manifest.config), manifest.layers.map(blobMember), ociTags(top)));
    }
  }
  return specs;
}

/** Load every image of a `docker save` or OCI layout tar into the store, all or nothing. */
export async function loadArchive(core: StoreCore, input: Readable): Promise<{ images: Image[]; tags: string[] }> {
  const dir = await core.layout.makeTempDir('load');
  try {
    const s = await spool(input, dir, core.layout).catch((err: unknown) => {
      // tar-stream's own errors (bad headers, truncation) carry no errno code
      if (err instanceof Error && !(err instanceof TspaasError) && (err as NodeJS.ErrnoException).code === undefined) {
        throw invalid(`not a valid image archive: ${err.message}`, err);
      }
      throw err;
    });
    let specs: ImageSpec[];
    if (s.files.has('manifest.json')) specs = await fromDockerSave(s);
    else if (s.files.has('index.json')) specs = await fromOciLayout(s);
    else throw invalid('not an image archive: it has neither manifest.json nor index.json');
    const staged = [...new Set(specs.flatMap((sp) => sp.layers.map((l) => l.descriptor.digest)))]
      .map((digest) => [...s.files.values()].find((f) => f.digest === digest)!);
    const images = await core.commitImages(specs, staged);
    return { images, tags: specs.flatMap((sp) => sp.tags) };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

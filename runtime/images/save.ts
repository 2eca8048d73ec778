/**
 * `docker save`: a tar that is both Docker's archive format (`manifest.json`,
 * `repositories`) and an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…`), as Docker 25+ writes it. Blobs are stored once each.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { OciLayout } from './layout.js';
import { digestHex, MEDIA } from './oci.js';
import type { ImageView } from './records.js';
import { fullyQualified, splitTag } from './refs.js';
import type { Resolved } from './resolve.js';
import type { Descriptor } from './types.js';

interface Saved {
  view: ImageView;
  tags: string[];
}

const MTIME = new Date(0);

/** Group resolved references by image, keeping the tags they named. */
function groupByImage(resolved: Resolved[]): Saved[] {
  const byId = new Map<string, Saved>();
  for (const r of resolved) {
    const key = r.view.record.manifestDigest;
    const saved = byId.get(key) ?? { view: r.view, tags: [] };
    if (r.tag !== undefined && !saved.tags.includes(r.tag)) saved.tags.push(r.tag);
    byId.set(key, saved);
  }
  return [...byId.values()];
}

const blobName = (digest: string) => `blobs/sha256/${digestHex(digest)}`;

function dockerManifest(saved: Saved[]): unknown {
  return saved.map(({ view, tags }) => ({
    Config: blobName(view.record.configDigest),
    RepoTags: tags.length > 0 ? tags : null,
    Layers: view.record.manifest.layers.map((l) => blobName(l.digest)),
  }));
}

function repositories(saved: Saved[]): Record<string, Record<string, string>> {
  const repos: Record<string, Record<string, string>> = {};
  for (const { view, tags } of saved) {
    for (const t of tags) {
      const { name, tag } = splitTag(t);
      (repos[name] ??= {})[tag] = digestHex(view.record.configDigest);
    }
  }
  return repos;
}

function ociIndex(saved: Saved[]): unknown {
  const manifests: Descriptor[] = [];
  for (const { view, tags } of saved) {
    const base = { mediaType: MEDIA.manifest, digest: view.record.manifestDigest, size: view.indexed.manifest.size };
    if (tags.length === 0) manifests.push(base);
    for (const t of tags) {
      manifests.push({ ...base, annotations: { 'io.containerd.image.name': fullyQualified(t), 'org.opencontainers.image.ref.name': splitTag(t).tag } });
    }
  }
  return { schemaVersion: 2, mediaType: MEDIA.index, manifests };
}

/** Write the images `resolved` names (tagged as named) to `out` as a `docker save` tar. */
export async function saveImages(layout: OciLayout, resolved: Resolved[], out: Writable): Promise<void> {
  const saved = groupByImage(resolved);
  const pack = tar.pack();
  const flowing = pipeline(pack, out);
  const addJson = (name: string, value: unknown) => addBytes(pack, name, Buffer.from(JSON.stringify(value)));
  try {
    pack.entry({ name: 'blobs/', type: 'directory', mode: 0o755, mtime: MTIME });
    pack.entry({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: MTIME });
    const done = new Set<string>();
    for (const { view } of saved) {
      const { record } = view;
      for (const digest of [record.manifestDigest, record.configDigest, ...record.manifest.layers.map((l) => l.digest)]) {
        if (done.has(digest)) continue;
        done.add(digest);
        await addFile(pack, blobName(digest), layout.blobPath(digest));
      }
    }
    await addJson('index.json', ociIndex(saved));
    await addJson('manifest.json', dockerManifest(saved));
    await addBytes(pack, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await addJson('repositories', repositories(saved));
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await flowing;
}

function addBytes(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o644, mtime: MTIME }, data, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, name: string, file: string): Promise<void> {
  const { size } = await fsp.stat(file);
  const entry = pack.entry({ name, size, mode: 0o644, mtime: MTIME });
  await pipeline(createReadStream(file), entry);
}

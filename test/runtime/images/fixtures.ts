/** Image-store test helpers: stores in temp dirs, hand-built docker-save / OCI archives, store snapshots. */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { OciImageStore } from '../../../runtime/images/store.js';
import { tarOf, tempDir, type FixtureEntry } from '../archive/fixtures.js';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hex = (digest: string) => digest.replace(/^sha256:/, '');

/** A fresh store in a temp dir. */
export async function newStore(t: ExecutionContext): Promise<{ store: OciImageStore; dir: string }> {
  const dir = path.join(tempDir(t, 'tspaas-images-'), 'store');
  return { store: await OciImageStore.open(dir), dir };
}

/** Everything observable about a store: images, blob files, staging leftovers. */
export async function snapshot(store: OciImageStore, dir: string) {
  const images = (await store.list()).map((i) => ({ id: i.id, tags: [...i.repoTags].sort() })).sort((a, b) => a.id.localeCompare(b.id));
  return { images, blobs: readdirSync(path.join(dir, 'blobs/sha256')).sort(), tmp: readdirSync(path.join(dir, 'tmp')) };
}

/** A minimal image config over some layer tars. */
export function configFor(layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l)) }, ...extra,
  }));
}

export interface SavedImage {
  layers: Buffer[];
  tags: string[];
  config?: Buffer;
}

/** A docker-save tar in the old layout: `<id>/layer.tar`, `<config hex>.json`, manifest.json; a repeated layer is a symlink. */
export async function oldDockerSave(images: SavedImage[]): Promise<Buffer> {
  const entries: FixtureEntry[] = [];
  const seen = new Map<string, string>();
  const manifest = images.map((img) => {
    const config = img.config ?? configFor(img.layers);
    entries.push({ name: `${hex(sha(config))}.json`, data: config });
    const layerNames = img.layers.map((l, i) => {
      const id = hex(sha(`${hex(sha(config))}-${i}`));
      const prior = seen.get(sha(l));
      entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/VERSION`, data: '1.0' });
      if (prior) entries.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${prior}` });
      else entries.push({ name: `${id}/layer.tar`, data: l });
      if (!prior) seen.set(sha(l), `${id}/layer.tar`);
      return `${id}/layer.tar`;
    });
    return { Config: `${hex(sha(config))}.json`, RepoTags: img.tags, Layers: layerNames };
  });
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return tarOf(entries);
}

/** An OCI image layout tar (index.json + blobs), tags as `org.opencontainers.image.ref.name`. */
export async function ociLayout(images: SavedImage[]): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const add = (b: Buffer) => { blobs.set(sha(b), b); return { digest: sha(b), size: b.length }; };
  const manifests = images.map((img) => {
    const config = img.config ?? configFor(img.layers);
    const m = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...add(config) },
      layers: img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...add(l) })),
    }));
    const d = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...add(m) };
    return img.tags.length === 0 ? [d] : img.tags.map((t) => ({ ...d, annotations: { 'org.opencontainers.image.ref.name': t } }));
  }).flat();
  return tarOf([
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests }) },
    ...[...blobs].map(([d, b]) => ({ name: `blobs/sha256/${hex(d)}`, data: b })),
  ]);
}

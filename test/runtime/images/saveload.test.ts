import test from 'ava';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { isKind } from '../../../lib/errors.js';
import { bytesOf, entriesOf, streamOf, tarOf, type FixtureEntry } from '../archive/fixtures.js';
import { configFor, hex, newStore, ociLayout, oldDockerSave, sha, snapshot } from './fixtures.js';

async function saved(store: Awaited<ReturnType<typeof newStore>>['store'], refs: string[]): Promise<Buffer> {
  const out = new PassThrough();
  const [bytes] = await Promise.all([bytesOf(out), store.save(refs, out)]);
  return bytes;
}

const layerA = () => tarOf([{ name: 'etc/os-release', data: 'ID=test' }, { name: 'bin/sh', data: 'sh', mode: 0o755 }]);
const layerB = () => tarOf([{ name: 'etc/.wh.os-release' }, { name: 'app/run', data: 'run' }]);

test('save → rm → load gives back the same image ID, tags and layers', async (t) => {
  const { store, dir } = await newStore(t);
  const base = await store.importRootfs(streamOf(await layerA()), { tag: 'base:1' });
  const extra = await store.putLayer(streamOf(await layerB()));
  const img = await store.writeImage({ ...base.config, rootfs: { type: 'layers', diff_ids: [base.layers[0].diffId, extra.diffId] } }, [base.layers[0], extra], ['app:v1']);
  await store.tag('app:v1', 'localhost:5000/app:v1');

  const tar = await saved(store, ['app:v1', 'localhost:5000/app:v1']);
  const names = (await entriesOf(tar)).map((e) => e.name);
  for (const n of ['manifest.json', 'index.json', 'oci-layout', 'repositories', `blobs/sha256/${hex(img.id)}`, `blobs/sha256/${hex(extra.descriptor.digest)}`]) {
    t.true(names.includes(n), n);
  }
  const manifest = JSON.parse((await entriesOf(tar)).find((e) => e.name === 'manifest.json')!.data.toString());
  t.deepEqual(manifest[0].RepoTags, ['app:v1', 'localhost:5000/app:v1']);
  t.is(manifest[0].Config, `blobs/sha256/${hex(img.id)}`);
  const index = JSON.parse((await entriesOf(tar)).find((e) => e.name === 'index.json')!.data.toString());
  t.is(index.manifests[0].annotations['io.containerd.image.name'], 'docker.io/library/app:v1');

  await store.remove(img.id, { force: true });
  await store.remove('base:1', {});
  t.deepEqual((await snapshot(store, dir)).blobs, []);

  const loaded = await store.load(streamOf(tar));
  t.deepEqual(loaded.tags, ['app:v1', 'localhost:5000/app:v1']);
  t.is(loaded.images[0].id, img.id);
  const back = await store.get('app:v1');
  t.is(back.id, img.id);
  t.deepEqual(back.layers.map((l) => l.diffId), img.layers.map((l) => l.diffId));
  t.deepEqual(back.config, img.config);
  t.true((await bytesOf(store.openLayer(back.layers[1]))).equals(await layerB()));
});

test('save by ID saves the image untagged; loading into another store gives the same ID', async (t) => {
  const a = await newStore(t);
  const img = await a.store.importRootfs(streamOf(await layerA()), { tag: 'x' });
  const tar = await saved(a.store, [img.id]);
  const b = await newStore(t);
  const res = await b.store.load(streamOf(gzipSync(tar)));
  t.deepEqual(res.tags, []);
  t.deepEqual((await b.store.list()).map((i) => [i.id, i.repoTags]), [[img.id, []]]);
});

test('loads an old-layout docker save tar (<id>/layer.tar, a repeated layer as a symlink)', async (t) => {
  const { store } = await newStore(t);
  const a = await layerA();
  const b = await layerB();
  const tar = await oldDockerSave([{ layers: [a, b], tags: ['busybox:latest', 'docker.io/library/busybox:musl'] }, { layers: [a], tags: [] }]);
  const res = await store.load(streamOf(tar));
  t.deepEqual(res.tags, ['busybox:latest', 'busybox:musl']);
  t.is(res.images.length, 2);
  const img = await store.get('busybox');
  t.is(img.id, sha(configFor([a, b])));
  t.deepEqual(img.layers.map((l) => l.diffId), [sha(a), sha(b)]);
  t.is((await store.get(sha(configFor([a])))).layers[0].descriptor.digest, sha(a));
});

test('loads an OCI layout tar; a full reference in ref.name becomes the tag', async (t) => {
  const { store } = await newStore(t);
  const a = await layerA();
  const res = await store.load(streamOf(await ociLayout([{ layers: [a], tags: ['docker.io/library/debian:bookworm', 'latest'] }])));
  t.deepEqual(res.tags, ['debian:bookworm']);
  t.deepEqual((await store.get('debian:bookworm')).layers[0].diffId, sha(a));
});

/** The four hostile layers of the brief, each with the message that must name the entry. */
const hostile: Array<[string, FixtureEntry[], RegExp]> = [
  ['a ../ entry', [{ name: 'ok', data: 'fine' }, { name: '../x', data: 'x' }], /layer entry "\.\.\/x": path escapes the layer/],
  ['a write through an absolute symlink', [{ name: 'evil', type: 'symlink', linkname: '/tmp/outside' }, { name: 'evil/pwned', data: 'x' }], /layer entry "evil\/pwned": would write through symlink "evil"/],
  ['a hardlink outside', [{ name: 'passwd', type: 'link', linkname: '../../etc/passwd' }], /layer entry "passwd": hardlink target "\.\.\/\.\.\/etc\/passwd" escapes the layer/],
  ['a device node', [{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }], /layer entry "dev\/sda": device nodes and FIFOs are not allowed/],
];

for (const [what, entries, message] of hostile) {
  test(`load refuses ${what} and leaves the store unchanged`, async (t) => {
    const { store, dir } = await newStore(t);
    await store.importRootfs(streamOf(await layerA()), { tag: 'present' });
    const before = await snapshot(store, dir);
    const evil = await tarOf(entries);
    // a good image first, so its blobs would be there if the load were not all-or-nothing
    const archive = await oldDockerSave([{ layers: [await layerB()], tags: ['good'] }, { layers: [evil], tags: ['evil'] }]);
    const err = await t.throwsAsync(store.load(streamOf(archive)), { message });
    t.true(isKind(err, 'Invalid'));
    t.deepEqual(await snapshot(store, dir), before);
    const oci = await ociLayout([{ layers: [evil], tags: ['evil:oci'] }]);
    await t.throwsAsync(store.load(streamOf(oci)), { message });
    t.deepEqual(await snapshot(store, dir), before);
  });

  test(`import refuses ${what} and leaves the store unchanged`, async (t) => {
    const { store, dir } = await newStore(t);
    await store.importRootfs(streamOf(await layerA()), { tag: 'present' });
    const before = await snapshot(store, dir);
    const err = await t.throwsAsync(store.importRootfs(streamOf(await tarOf(entries)), { tag: 'evil' }), { message });
    t.true(isKind(err, 'Invalid'));
    t.deepEqual(await snapshot(store, dir), before);
  });
}

test('load refuses a layer that does not match its diff_id, a blob that does not match its name, and non-archives', async (t) => {
  const { store, dir } = await newStore(t);
  const before = await snapshot(store, dir);
  const a = await layerA();
  const wrongConfig = configFor([await layerB()]);
  await t.throwsAsync(store.load(streamOf(await oldDockerSave([{ layers: [a], tags: ['x'], config: wrongConfig }]))), { message: /does not match diff_id 0/ });
  const forged = await tarOf([
    { name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('m'), size: 1 }] }) },
    { name: `blobs/sha256/${hex(sha('m'))}`, data: 'not m' },
  ]);
  await t.throwsAsync(store.load(streamOf(forged)), { message: /does not match its digest/ });
  await t.throwsAsync(store.load(streamOf(await tarOf([{ name: 'readme', data: 'hi' }]))), { message: /neither manifest.json nor index.json/ });
  const junk = await t.throwsAsync(store.load(streamOf(Buffer.alloc(4096, 0x42))));
  t.true(isKind(junk, 'Invalid'));
  t.deepEqual(await snapshot(store, dir), before);
});

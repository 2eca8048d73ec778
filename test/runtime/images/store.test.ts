import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isKind } from '../../../lib/errors.js';
import type { ImageConfig } from '../../../runtime/images/types.js';
import { bytesOf, streamOf, tarOf, tgzOf } from '../archive/fixtures.js';
import { configFor, hex, newStore, sha, snapshot } from './fixtures.js';

const rootfs = () => tarOf([{ name: 'bin/', type: 'directory' }, { name: 'bin/sh', data: '#!shell', mode: 0o755 }]);

test('importRootfs makes a one-layer image, stored uncompressed, findable by tag, ID, prefix and digest', async (t) => {
  const { store, dir } = await newStore(t);
  const tar = await rootfs();
  const image = await store.importRootfs(streamOf(tar), { tag: 'docker.io/library/base', changes: { Cmd: ['/bin/sh'] } });
  t.deepEqual(image.repoTags, ['base:latest']);
  t.is(image.id, sha(readFileSync(path.join(dir, 'blobs/sha256', hex(image.id)))));
  t.deepEqual(image.config.rootfs.diff_ids, [sha(tar)]);
  t.deepEqual(image.config.config.Cmd, ['/bin/sh']);
  t.is(image.config.os, 'linux');
  t.is(image.config.history?.[0].comment, 'Imported from -');
  t.is(image.layers[0].descriptor.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  t.is(image.layers[0].descriptor.digest, sha(tar));
  t.is(image.size, tar.length);

  for (const ref of ['base', 'base:latest', 'docker.io/library/base:latest', image.id, hex(image.id), hex(image.id).slice(0, 6),
    `sha256:${hex(image.id).slice(0, 8)}`, `base@${image.manifestDigest}`]) {
    t.is((await store.get(ref)).id, image.id, ref);
  }
  t.deepEqual((await store.list()).map((i) => i.id), [image.id]);
  t.true((await bytesOf(store.openLayer(image.layers[0]))).equals(tar));
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
  t.is(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'base:latest');
  t.true(existsSync(path.join(dir, 'oci-layout')));
});

test('a gzip layer is stored as given, with its diffID and uncompressed size', async (t) => {
  const { store } = await newStore(t);
  const entries = [{ name: 'f', data: 'x'.repeat(10000) }];
  const gz = await tgzOf(entries);
  const plain = await tarOf(entries);
  const image = await store.importRootfs(streamOf(gz), { message: 'from a tarball' });
  t.is(image.layers[0].descriptor.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  t.is(image.layers[0].descriptor.digest, sha(gz));
  t.is(image.layers[0].diffId, sha(plain));
  t.is(image.size, plain.length);
  t.deepEqual(image.repoTags, []);
  t.is(image.config.history?.[0].comment, 'from a tarball');
});

test('unknown and malformed references', async (t) => {
  const { store } = await newStore(t);
  await store.importRootfs(streamOf(await rootfs()), { tag: 'base' });
  t.true(isKind(await t.throwsAsync(store.get('nope')), 'NotFound'));
  t.true(isKind(await t.throwsAsync(store.get('ffffffffffff')), 'NotFound'));
  t.true(isKind(await t.throwsAsync(store.get('Not A Ref')), 'Invalid'));
  t.true(isKind(await t.throwsAsync(store.tag('base', 'bad tag')), 'Invalid'));
});

test('tag moves a tag between images; rm of a tag untags, and deletes with the last tag', async (t) => {
  const { store, dir } = await newStore(t);
  const a = await store.importRootfs(streamOf(await rootfs()), { tag: 'app:v1' });
  const b = await store.importRootfs(streamOf(await tarOf([{ name: 'other', data: 'b' }])), { tag: 'app:v2' });
  await store.tag('app:v1', 'app:stable');
  await store.tag('app:v1', 'registry.local:5000/app');
  t.deepEqual((await store.get(a.id)).repoTags.sort(), ['app:stable', 'app:v1', 'registry.local:5000/app:latest']);
  await store.tag(b.id, 'app:stable');
  t.deepEqual((await store.get('app:stable')).id, b.id);
  t.deepEqual((await store.get(a.id)).repoTags.sort(), ['app:v1', 'registry.local:5000/app:latest']);

  t.deepEqual(await store.remove('app:v1', {}), { untagged: ['app:v1'], deleted: [] });
  t.deepEqual(await store.remove('registry.local:5000/app', {}), { untagged: ['registry.local:5000/app:latest'], deleted: [a.id] });
  t.true(isKind(await t.throwsAsync(store.get(a.id)), 'NotFound'));
  t.false(existsSync(path.join(dir, 'blobs/sha256', hex(a.id))));
  t.false(existsSync(path.join(dir, 'blobs/sha256', hex(a.layers[0].descriptor.digest))));
  t.true(existsSync(path.join(dir, 'blobs/sha256', hex(b.layers[0].descriptor.digest))));
});

test('rm by ID with several tags needs force; the last tag of an image in use goes only with force, and the image stays', async (t) => {
  const { store } = await newStore(t);
  const img = await store.importRootfs(streamOf(await rootfs()), { tag: 'one' });
  await store.tag('one', 'two');
  const err = await t.throwsAsync(store.remove(img.id, {}), { message: /must be forced.*multiple repositories/ });
  t.true(isKind(err, 'Conflict'));

  const inUse = (id: string) => id === img.id;
  t.deepEqual(await store.remove('one', { isInUse: inUse }), { untagged: ['one:latest'], deleted: [] });
  const last = await t.throwsAsync(store.remove('two', { isInUse: inUse }), { message: /must force.*using its referenced image/ });
  t.true(isKind(last, 'Conflict'));
  t.deepEqual((await store.get(img.id)).repoTags, ['two:latest'], 'a refused removal changes nothing');
  t.deepEqual(await store.remove('two', { isInUse: inUse, force: true }), { untagged: ['two:latest'], deleted: [] });
  t.deepEqual((await store.get(img.id)).repoTags, []);
  t.true(isKind(await t.throwsAsync(store.remove(img.id, { isInUse: inUse })), 'Conflict'));
  t.deepEqual(await store.remove(hex(img.id).slice(0, 10), { isInUse: inUse, force: true }), { untagged: [], deleted: [img.id] });
  t.deepEqual(await store.list(), []);
});

test('rm -f by ID untags every tag and deletes', async (t) => {
  const { store, dir } = await newStore(t);
  const img = await store.importRootfs(streamOf(await rootfs()), { tag: 'one' });
  await store.tag('one', 'two');
  const res = await store.remove(img.id, { force: true });
  t.deepEqual(res.untagged.sort(), ['one:latest', 'two:latest']);
  t.deepEqual(res.deleted, [img.id]);
  t.deepEqual((await snapshot(store, dir)).blobs, []);
});

test('writeImage checks diff_ids and layer blobs, and shares layers between images', async (t) => {
  const { store, dir } = await newStore(t);
  const base = await store.importRootfs(streamOf(await rootfs()), { tag: 'base' });
  const before = await snapshot(store, dir);
  const bad: ImageConfig = { ...base.config, rootfs: { type: 'layers', diff_ids: [sha('other')] } };
  t.true(isKind(await t.throwsAsync(store.writeImage(bad, base.layers)), 'Invalid'));
  const ghost = { descriptor: { ...base.layers[0].descriptor, digest: sha('ghost') }, diffId: base.layers[0].diffId };
  t.true(isKind(await t.throwsAsync(store.writeImage(base.config, [ghost], ['ghost'])), 'NotFound'));
  t.deepEqual(await snapshot(store, dir), before);

  const added = await store.putLayer(streamOf(await tarOf([{ name: 'app/main.js', data: 'console.log(1)' }])));
  const config: ImageConfig = { ...base.config, created: '2024-02-02T00:00:00Z', rootfs: { type: 'layers', diff_ids: [base.layers[0].diffId, added.diffId] } };
  const child = await store.writeImage(config, [base.layers[0], added], ['app']);
  t.deepEqual(child.repoTags, ['app:latest']);
  t.is(child.created, '2024-02-02T00:00:00Z');
  t.is(child.layers[0].descriptor.digest, base.layers[0].descriptor.digest);
  await store.remove('base', {});
  t.true(existsSync(path.join(dir, 'blobs/sha256', hex(base.layers[0].descriptor.digest))), 'a shared layer outlives one of its images');
});

test('putLayer refuses an unsafe layer and keeps nothing', async (t) => {
  const { store, dir } = await newStore(t);
  const err = await t.throwsAsync(store.putLayer(streamOf(await tarOf([{ name: '../x', data: 'x' }]))), { message: /path escapes the layer/ });
  t.true(isKind(err, 'Invalid'));
  t.deepEqual(await snapshot(store, dir), { images: [], blobs: [], tmp: [] });
});

test('prune removes dangling images and unreferenced blobs, not leased layers or images in use; all=true takes tagged ones', async (t) => {
  const { store, dir } = await newStore(t);
  const kept = await store.importRootfs(streamOf(await rootfs()), { tag: 'kept' });
  const dangling = await store.importRootfs(streamOf(await tarOf([{ name: 'd', data: 'd' }])), {});
  const busy = await store.importRootfs(streamOf(await tarOf([{ name: 'busy', data: 'b' }])), {});
  const leased = await store.putLayer(streamOf(await tarOf([{ name: 'leased', data: 'l' }])));
  const isInUse = (id: string) => id === busy.id;

  const res = await store.prune({ isInUse });
  t.true(res.deleted.includes(dangling.id));
  t.true(res.deleted.includes(dangling.layers[0].descriptor.digest));
  t.true(res.spaceReclaimed > 0);
  t.deepEqual((await store.list()).map((i) => i.id).sort(), [kept.id, busy.id].sort());
  t.true(existsSync(path.join(dir, 'blobs/sha256', hex(leased.descriptor.digest))));

  await store.writeImage({ ...kept.config, rootfs: { type: 'layers', diff_ids: [leased.diffId] } }, [leased], ['uses-leased']);
  await store.remove('uses-leased', {});
  t.false(existsSync(path.join(dir, 'blobs/sha256', hex(leased.descriptor.digest))), 'the lease ended with writeImage');

  const all = await store.prune({ all: true, isInUse });
  t.deepEqual(all.deleted.filter((d) => d === kept.id), [kept.id]);
  t.deepEqual((await store.list()).map((i) => i.id), [busy.id]);
  const blobs = (await snapshot(store, dir)).blobs;
  t.deepEqual(blobs.sort(), [hex(busy.id), hex(busy.manifestDigest), hex(busy.layers[0].descriptor.digest)].sort());
});

test('concurrent tags are serialized: none is lost', async (t) => {
  const { store } = await newStore(t);
  const img = await store.importRootfs(streamOf(await rootfs()), {});
  await Promise.all(Array.from({ length: 25 }, (_, i) => store.tag(img.id, `t${i}`)));
  t.is((await store.get(img.id)).repoTags.length, 25);
});

test('stage: blobs staged, one discarded, one image committed with the rest; a staging closed without commit leaves the store as it was', async (t) => {
  const { store, dir } = await newStore(t);
  const before = await snapshot(store, dir);
  const abandoned = await store.stage();
  await abandoned.stageBlob(streamOf(await rootfs()));
  await abandoned.close();
  t.deepEqual(await snapshot(store, dir), before, 'nothing committed, nothing left in tmp/');

  const tar = await rootfs();
  const staging = await store.stage();
  const layerBlob = await staging.stageBlob(streamOf(tar));
  const bad = await staging.stageBlob(streamOf(Buffer.from('not the layer')));
  t.deepEqual([layerBlob.digest, layerBlob.size], [sha(tar), tar.length]);
  await staging.discard(bad);
  const layer = { descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerBlob.digest, size: layerBlob.size }, diffId: sha(tar) };
  const image = await staging.commit({ configBytes: configFor([tar]), layers: [layer], tags: ['staged:1'] });
  await staging.close();
  t.deepEqual((await store.get('staged:1')).id, image.id);
  t.true((await store.readBlob(layerBlob.digest)).equals(tar));
  t.true((await bytesOf(store.openBlob(layerBlob.digest, { start: 2, end: 5 }))).equals(tar.subarray(2, 6)), 'a range is inclusive');
  const after = await snapshot(store, dir);
  t.false(after.blobs.includes(hex(bad.digest)), 'the discarded blob never entered the store');
  t.deepEqual(after.tmp, []);
});

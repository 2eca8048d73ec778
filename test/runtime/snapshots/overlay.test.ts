import test from 'ava';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isKind } from '../../../lib/errors.js';
import { changes } from '../../../runtime/archive/index.js';
import { chainIds, fitOptions, isMountPoint, mountAll, OverlaySnapshotter, unmount } from '../../../runtime/snapshots/index.js';
import { entriesOf, streamOf, tarOf, tempDir, type FixtureEntry } from '../archive/fixtures.js';
import { sha } from '../images/fixtures.js';

async function layers(specs: FixtureEntry[][]): Promise<{ tars: Buffer[]; diffIds: string[]; open: (i: number) => Readable }> {
  const tars = await Promise.all(specs.map((s) => tarOf(s)));
  return { tars, diffIds: tars.map((b) => sha(b)), open: (i) => streamOf(tars[i]) };
}

async function newSnapshotter(t: Parameters<typeof tempDir>[0]) {
  const base = tempDir(t, 'tspaas-snap-');
  // a long root on purpose: mount options must not grow with it
  const root = path.join(base, 'var-lib-tspaas-engine-with-a-deliberately-long-root-path', 'snapshots', 'overlay');
  const target = path.join(base, 'rootfs');
  mkdirSync(target);
  return { snap: await OverlaySnapshotter.open(root), root, target };
}

test('chainIds follow the OCI definition', (t) => {
  const [a, b] = [sha('a'), sha('b')];
  t.deepEqual(chainIds([a, b]), [a, sha(`${a} ${b}`)]);
  t.deepEqual(chainIds([]), []);
});

test('unpack → prepare → mount shows the merged layers with whiteouts applied; diff reads the upper dir', async (t) => {
  const { snap, target } = await newSnapshotter(t);
  const l = await layers([
    [{ name: 'etc/passwd', data: 'root' }, { name: 'etc/motd', data: 'hi' }, { name: 'var/cache/a', data: 'a' }],
    [{ name: 'etc/.wh.motd' }, { name: 'var/cache/.wh..wh..opq' }, { name: 'var/cache/b', data: 'b' }],
  ]);
  const top = await snap.unpack(l.diffIds, l.open);
  t.is(top, chainIds(l.diffIds)[1]);
  t.true(await snap.hasCommitted(chainIds(l.diffIds)[0]));
  t.deepEqual((await snap.listCommitted()).sort(), [...chainIds(l.diffIds)].sort());

  const mounts = await snap.prepare('c1', top);
  await mountAll(mounts, target);
  t.teardown(() => unmount(target));
  t.true(await isMountPoint(target));
  t.deepEqual(readdirSync(path.join(target, 'etc')), ['passwd']);
  t.deepEqual(readdirSync(path.join(target, 'var/cache')), ['b']);
  t.is(readFileSync(path.join(target, 'etc/passwd'), 'utf8'), 'root');

  writeFileSync(path.join(target, 'etc/hostname'), 'c1');
  unlinkSync(path.join(target, 'etc/passwd'));
  await unmount(target);
  t.false(await isMountPoint(target));
  t.deepEqual(await changes(snap.upperDir('c1'), await snap.lowerDirs(top)), [
    { path: '/etc', kind: 'C' }, { path: '/etc/hostname', kind: 'A' }, { path: '/etc/passwd', kind: 'D' },
  ]);
  t.is((await snap.lowerDirs(top)).length, 2);
  // The contract's own operations on the writable layer, no directory in sight: the same changes, the layer tar, its size.
  t.deepEqual(await snap.changes('c1', top), [
    { path: '/etc', kind: 'C' }, { path: '/etc/hostname', kind: 'A' }, { path: '/etc/passwd', kind: 'D' },
  ]);
  t.deepEqual((await entriesOf(snap.diff('c1'))).map((e) => e.name).sort(), ['etc/', 'etc/.wh.passwd', 'etc/hostname']);
  t.is(await snap.usage('c1'), 2);

  await snap.remove('c1');
  t.true(isKind(await t.throwsAsync(snap.mounts('c1', top)), 'NotFound'));
});

test('a snapshot with no parent mounts an empty root', async (t) => {
  const { snap, target } = await newSnapshotter(t);
  t.is(await snap.unpack([], () => { throw new Error('no layers to open'); }), null);
  await mountAll(await snap.prepare('empty', null), target);
  t.teardown(() => unmount(target));
  t.deepEqual(readdirSync(target), []);
  t.deepEqual(await snap.lowerDirs(null), []);
  t.deepEqual(await snap.changes('empty', null), []);
});

test('prepare with an owner gives the root of the writable layer to that uid/gid (a user namespace\'s root owns /)', async (t) => {
  const { snap, target } = await newSnapshotter(t);
  await mountAll(await snap.prepare('owned', null, { owner: { uid: 100000, gid: 100001 } }), target);
  t.teardown(() => unmount(target));
  const st = statSync(target);
  t.deepEqual([st.uid, st.gid], [100000, 100001]);
});

test('concurrent unpacks of the same chain open each layer once; later unpacks open nothing', async (t) => {
  const { snap } = await newSnapshotter(t);
  const l = await layers([[{ name: 'a', data: 'a' }], [{ name: 'b', data: 'b' }], [{ name: 'c', data: 'c' }]]);
  const opened: number[] = [];
  const open = (i: number) => { opened.push(i); return l.open(i); };
  const tops = await Promise.all([snap.unpack(l.diffIds, open), snap.unpack(l.diffIds, open), snap.unpack(l.diffIds.slice(0, 2), open)]);
  t.deepEqual(opened.sort(), [0, 1, 2]);
  t.is(tops[0], tops[1]);
  await snap.unpack(l.diffIds, open);
  t.is(opened.length, 3);
});

test('a bad layer fails with Invalid and leaves nothing behind', async (t) => {
  const { snap, root } = await newSnapshotter(t);
  const good = await layers([[{ name: 'ok', data: 'ok' }]]);
  const evil = await tarOf([{ name: 'evil', type: 'symlink', linkname: '/' }, { name: 'evil/etc/pwned', data: 'x' }]);
  const err = await t.throwsAsync(snap.unpack([good.diffIds[0], sha(evil)], (i) => streamOf(i === 0 ? good.tars[0] : evil)),
    { message: /would write through symlink "evil"/ });
  t.true(isKind(err, 'Invalid'));
  t.deepEqual(await snap.listCommitted(), [chainIds(good.diffIds)[0]]);
  t.deepEqual(readdirSync(path.join(root, 'tmp')), []);
  t.is(readdirSync(path.join(root, 'l')).length, 1);
  t.false(existsSync('/etc/pwned'));

  const mismatch = await t.throwsAsync(snap.unpack([sha('something else')], () => streamOf(good.tars[0])), { message: /expected/ });
  t.true(isKind(mismatch, 'Invalid'));
  t.deepEqual(readdirSync(path.join(root, 'tmp')), []);
});

test('prepare refuses an existing key, a missing parent and a malformed key', async (t) => {
  const { snap } = await newSnapshotter(t);
  await snap.prepare('c1', null);
  t.true(isKind(await t.throwsAsync(snap.prepare('c1', null)), 'Conflict'));
  t.true(isKind(await t.throwsAsync(snap.prepare('c2', sha('nothing'))), 'NotFound'));
  t.true(isKind(await t.throwsAsync(snap.prepare('../escape', null)), 'Invalid'));
});

test('removeCommitted deletes the layer and its short link', async (t) => {
  const { snap, root } = await newSnapshotter(t);
  const l = await layers([[{ name: 'a', data: 'a' }]]);
  const top = (await snap.unpack(l.diffIds, l.open))!;
  await snap.removeCommitted(top);
  t.false(await snap.hasCommitted(top));
  t.deepEqual(readdirSync(path.join(root, 'l')), []);
  await snap.removeCommitted(top);
  t.pass();
});

async function deepImage(t: Parameters<typeof tempDir>[0], depth: number) {
  const { snap, target } = await newSnapshotter(t);
  // each layer adds its own file and deletes the previous layer's scratch file
  const specs: FixtureEntry[][] = Array.from({ length: depth }, (_, i) => [
    { name: `layers/${i}`, data: String(i) },
    { name: `scratch-${i}`, data: 'tmp' },
    ...(i > 0 ? [{ name: `.wh.scratch-${i - 1}` }] : []),
  ]);
  const l = await layers(specs);
  const top = await snap.unpack(l.diffIds, l.open);
  const mounts = await snap.prepare('deep', top);
  await mountAll(mounts, target);
  t.teardown(() => unmount(target));
  t.is(readdirSync(path.join(target, 'layers')).length, depth);
  t.deepEqual(readdirSync(target).filter((n) => n.startsWith('scratch-')), [`scratch-${depth - 1}`]);
  return mounts;
}

test('a 50-layer image mounts fine', async (t) => {
  const mounts = await deepImage(t, 50);
  const lowers = mounts[0].options.find((o) => o.startsWith('lowerdir='))!.slice(9).split(':');
  t.is(lowers.length, 51, 'the init layer and the 50 image layers');
  t.is(path.basename(lowers[0]), 'init');
  t.true(lowers.slice(1).every((l) => path.basename(path.dirname(l)) === 'l'), 'image lower dirs are the short l/ links');
});

test('a 130-layer image mounts too: the lower dirs are made relative to fit in a page', async (t) => {
  const mounts = await deepImage(t, 130);
  t.true(mounts[0].options.join(',').length > 4096, 'absolute options would not fit');
  t.truthy(fitOptions(mounts[0].options).cwd);
});

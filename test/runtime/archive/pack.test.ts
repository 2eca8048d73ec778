import test from 'ava';
import { linkSync, lstatSync, mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyLayer, packLayer, packTree } from '../../../runtime/archive/index.js';
import { bytesOf, entriesOf, getXattr, mountOverlay, setXattr, streamOf, tarOf, tempDir, umount } from './fixtures.js';

/** lower + upper + merged mounted; returns paths. The teardown unmounts. */
async function container(t: Parameters<typeof tempDir>[0], lowerEntries: Parameters<typeof tarOf>[0]) {
  const root = tempDir(t);
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(root, d));
  for (const d of [lower, upper, work, merged]) mkdirSync(d);
  await applyLayer(streamOf(await tarOf(lowerEntries)), lower, { whiteouts: 'overlay' });
  mountOverlay(merged, [lower], upper, work);
  t.teardown(() => { try { umount(merged); } catch { /* already */ } });
  return { root, lower, upper, merged };
}

test('packLayer turns a real overlay upper dir into .wh. entries, sorted, without overlay xattrs', async (t) => {
  const { upper, merged } = await container(t, [
    { name: 'etc/passwd', data: 'root' },
    { name: 'etc/hosts', data: 'h' },
    { name: 'srv/data/a', data: 'a' },
    { name: 'srv/data/b', data: 'b' },
  ]);
  unlinkSync(path.join(merged, 'etc/hosts'));
  rmSync(path.join(merged, 'srv/data'), { recursive: true });
  mkdirSync(path.join(merged, 'srv/data'));
  writeFileSync(path.join(merged, 'srv/data/c'), 'c');
  writeFileSync(path.join(merged, 'etc/passwd'), 'root2');
  umount(merged);

  const entries = await entriesOf(packLayer(upper));
  const names = entries.map((e) => e.name);
  t.deepEqual(names, ['etc/', 'etc/.wh.hosts', 'etc/passwd', 'srv/', 'srv/data/', 'srv/data/.wh..wh..opq', 'srv/data/c']);
  t.is(entries.find((e) => e.name === 'etc/.wh.hosts')!.type, 'file');
  t.is(entries.find((e) => e.name === 'etc/passwd')!.data.toString(), 'root2');
  for (const e of entries) t.false(Object.keys(e.pax ?? {}).some((k) => k.includes('trusted.overlay')), e.name);
});

test('packLayer gives the same bytes for the same tree, and round-trips through applyLayer', async (t) => {
  const root = tempDir(t);
  const upper = path.join(root, 'upper');
  mkdirSync(upper);
  await applyLayer(streamOf(await tarOf([
    { name: 'a/', type: 'directory', mode: 0o700 },
    { name: 'a/.wh..wh..opq' },
    { name: 'a/file', data: 'x', mode: 0o4711, uid: 12, gid: 34 },
    { name: 'a/hard', type: 'link', linkname: 'a/file' },
    { name: 'a/sym', type: 'symlink', linkname: '../elsewhere' },
    { name: '.wh.removed' },
  ])), upper, { whiteouts: 'overlay' });
  setXattr(path.join(upper, 'a/file'), 'user.note', Buffer.from([1, 2, 0xfe]));
  utimesSync(path.join(upper, 'a/file'), 1_600_000_000, 1_600_000_000);

  const first = await bytesOf(packLayer(upper));
  const second = await bytesOf(packLayer(upper));
  t.true(first.equals(second));

  const copy = path.join(root, 'copy');
  mkdirSync(copy);
  await applyLayer(streamOf(first), copy, { whiteouts: 'overlay' });
  const file = lstatSync(path.join(copy, 'a/file'));
  t.is(file.mode & 0o7777, 0o4711);
  t.is(file.uid, 12);
  t.is(file.mtimeMs, 1_600_000_000_000);
  t.is(lstatSync(path.join(copy, 'a/hard')).ino, file.ino);
  t.deepEqual(getXattr(path.join(copy, 'a/file'), 'user.note'), Buffer.from([1, 2, 0xfe]));
  t.deepEqual(getXattr(path.join(copy, 'a'), 'trusted.overlay.opaque'), Buffer.from('y'));
  t.true(lstatSync(path.join(copy, 'removed')).isCharacterDevice());
  t.is(lstatSync(path.join(copy, 'a')).mode & 0o7777, 0o700);
});

test('packTree packs a directory under its name, under another name, or as bare content', async (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'etc');
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'sub/f'), 'f');
  writeFileSync(path.join(dir, 'g'), 'g');
  linkSync(path.join(dir, 'g'), path.join(dir, 'h'));
  symlinkSync('g', path.join(dir, 'link'));

  const named = (await entriesOf(await packTree(dir))).map((e) => e.name);
  t.deepEqual(named, ['etc/', 'etc/g', 'etc/h', 'etc/link', 'etc/sub/', 'etc/sub/f']);
  const renamed = await entriesOf(await packTree(dir, { name: 'conf' }));
  t.deepEqual(renamed.map((e) => e.name), ['conf/', 'conf/g', 'conf/h', 'conf/link', 'conf/sub/', 'conf/sub/f']);
  t.is(renamed.find((e) => e.name === 'conf/h')!.linkname, 'conf/g');
  const bare = (await entriesOf(await packTree(dir, { name: '' }))).map((e) => e.name);
  t.deepEqual(bare, ['g', 'h', 'link', 'sub/', 'sub/f']);
});

test('packTree packs a single file under its name or a new one', async (t) => {
  const root = tempDir(t);
  writeFileSync(path.join(root, 'hosts'), '127.0.0.1 localhost\n');
  const one = await entriesOf(await packTree(path.join(root, 'hosts')));
  t.deepEqual(one.map((e) => [e.name, e.data.toString()]), [['hosts', '127.0.0.1 localhost\n']]);
  const other = await entriesOf(await packTree(path.join(root, 'hosts'), { name: 'copy' }));
  t.deepEqual(other.map((e) => e.name), ['copy']);
});

test('packTree of a missing path fails with ENOENT', async (t) => {
  await t.throwsAsync(packTree(path.join(tempDir(t), 'nope')), { code: 'ENOENT' });
});

/**
 * The host side of the download store (buildpacks/downloads.ts) on real
 * directories: what a build's outbox may hand over, the store's size limit
 * (least recently used first out, `.used` markers counting as a use) and
 * the bounds on what one build can make the host copy. The build-container
 * side (read-only mount, a real tenant's planted files) is in
 * nodejs-downloads.test.ts.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describePromotion, promoteDownloads } from '../../buildpacks/downloads.js';

const name = (data: string) => `sha512-${createHash('sha512').update(data).digest('hex')}`;

/** A cache dir whose outbox holds `files` (name → content), and an empty store dir. */
async function setUp(t: { teardown(fn: () => Promise<void>): void }, files: Record<string, string>) {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-downloads-'));
  t.teardown(() => fsp.rm(base, { recursive: true, force: true }));
  const cache = path.join(base, 'cache');
  await fsp.mkdir(path.join(cache, 'downloads'), { recursive: true });
  for (const [n, content] of Object.entries(files)) await fsp.writeFile(path.join(cache, 'downloads', n), content);
  return { cache, store: path.join(base, 'store') };
}

test('a verified download is stored under its hash, read-only; the outbox is emptied', async (t) => {
  const { cache, store } = await setUp(t, { [name('node tarball')]: 'node tarball' });
  const report = await promoteDownloads(cache, { dir: store });
  t.deepEqual(report, { kept: [name('node tarball')], refused: [], pruned: [] });
  t.is(await fsp.readFile(path.join(store, name('node tarball')), 'utf8'), 'node tarball');
  t.is((await fsp.stat(path.join(store, name('node tarball')))).mode & 0o777, 0o444);
  t.deepEqual(await fsp.readdir(path.join(cache, 'downloads')), []);
  t.deepEqual(describePromotion(report), [`       Kept 1 verified download in the host's download store for later builds: ${name('node tarball').slice(0, 19)}…`]);
});

test('names that are not sha512-<hex> (a sha1, a path-like name) and files over the size limit are refused', async (t) => {
  const sha1 = `sha1-${createHash('sha1').update('x').digest('hex')}`;
  const { cache, store } = await setUp(t, { [sha1]: 'x', 'sha512-..': 'x', [name('big')]: 'big' });
  const report = await promoteDownloads(cache, { dir: store, maxFileBytes: 2 });
  t.deepEqual(report.kept, []);
  t.deepEqual(report.refused, [
    { name: `downloads/${sha1}`, why: 'not named sha512-<128 hex digits>' },
    { name: 'downloads/sha512-..', why: 'not named sha512-<128 hex digits>' },
    { name: `downloads/${name('big')}`, why: 'larger than 2 bytes' },
  ].sort((a, b) => a.name.localeCompare(b.name)));
  t.deepEqual(await fsp.readdir(store), []);
});

test('past maxBytes the least recently used entries go; a .used marker counts as a use', async (t) => {
  const { cache, store } = await setUp(t, {});
  await fsp.mkdir(store);
  const old = new Date(Date.now() - 3600_000);
  for (const [i, data] of ['aaaa', 'bbbb', 'cccc'].entries()) {
    await fsp.writeFile(path.join(store, name(data)), data);
    await fsp.utimes(path.join(store, name(data)), old, new Date(old.getTime() + i * 1000)); // aaaa oldest
  }
  await fsp.writeFile(path.join(cache, 'downloads', `${name('aaaa')}.used`), '');
  await fsp.writeFile(path.join(cache, 'downloads', name('dddd')), 'dddd');
  const report = await promoteDownloads(cache, { dir: store, maxBytes: 12 });
  t.deepEqual(report.kept, [name('dddd')]);
  t.deepEqual(report.pruned, [name('bbbb')], 'bbbb is now the least recently used');
  t.deepEqual((await fsp.readdir(store)).sort(), [name('aaaa'), name('cccc'), name('dddd')].sort());
  t.deepEqual(describePromotion(report).slice(1), ["       The host's download store removed 1 least recently used entries (over its size limit)"]);
});

test('one build hands over at most 16 files; the rest are refused and removed', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 18; i++) files[name(`file ${i}`)] = `file ${i}`;
  const { cache, store } = await setUp(t, files);
  const report = await promoteDownloads(cache, { dir: store });
  t.is(report.kept.length, 16);
  t.deepEqual(report.refused.map((r) => r.why), ['more than 16 downloads in one build', 'more than 16 downloads in one build']);
  t.is((await fsp.readdir(store)).length, 16);
  t.deepEqual(await fsp.readdir(path.join(cache, 'downloads')), []);
});

test('a store that cannot be written is reported, not swallowed', async (t) => {
  const { cache } = await setUp(t, { [name('x')]: 'x' });
  const blocker = path.join(cache, 'not-a-dir');
  await fsp.writeFile(blocker, '');
  const failed = await promoteDownloads(cache, { dir: path.join(blocker, 'store') }).catch((err: Error) => ({ failed: err.message }));
  t.true('failed' in failed);
  t.regex(describePromotion(failed)[0], /^ ! {5}The host's download store could not take this build's downloads: ENOTDIR/);
});

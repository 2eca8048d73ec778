import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isKind } from '../../../lib/errors.js';
import { fitOptions, isMountPoint, mountAll, unmount } from '../../../runtime/snapshots/index.js';
import { tempDir } from '../archive/fixtures.js';

test('fitOptions leaves short options alone', (t) => {
  t.deepEqual(fitOptions(['lowerdir=/a:/b', 'upperdir=/u', 'workdir=/w']), { options: 'lowerdir=/a:/b,upperdir=/u,workdir=/w' });
});

test('fitOptions makes long lower dirs relative to their common dir', (t) => {
  const lowers = Array.from({ length: 200 }, (_, i) => `/var/lib/tspaas/engine/snapshots/l/${String(i).padStart(12, '0')}`);
  const fitted = fitOptions([`lowerdir=${lowers.join(':')}`, 'upperdir=/u', 'workdir=/w']);
  t.is(fitted.cwd, '/var/lib/tspaas/engine/snapshots/l');
  t.true(fitted.options.startsWith('lowerdir=000000000000:000000000001:'));
  t.true(fitted.options.endsWith(',upperdir=/u,workdir=/w'));
  t.true(fitted.options.length <= 4095);
});

test('fitOptions refuses what cannot fit at all', (t) => {
  const lowers = Array.from({ length: 600 }, (_, i) => `/x/l/${String(i).padStart(12, '0')}`);
  const err = t.throws(() => fitOptions([`lowerdir=${lowers.join(':')}`]), { message: /too many layers/ });
  t.true(isKind(err, 'Invalid'));
});

test('mountAll does bind mounts (read-only too); unmount is idempotent', async (t) => {
  const root = tempDir(t);
  const [src, target] = ['src', 'target'].map((d) => path.join(root, d));
  mkdirSync(src);
  mkdirSync(target);
  writeFileSync(path.join(src, 'file'), 'content');
  await mountAll([{ type: 'bind', source: src, options: ['rbind', 'ro'] }], target);
  t.true(await isMountPoint(target));
  t.is(readFileSync(path.join(target, 'file'), 'utf8'), 'content');
  t.throws(() => writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' });
  await unmount(target);
  t.false(await isMountPoint(target));
  await unmount(target);
  await unmount(path.join(root, 'never-existed'));
});

test('a failing mount undoes the ones before it and reports mount(8)\'s error', async (t) => {
  const root = tempDir(t);
  const [src, target] = ['src', 'target'].map((d) => path.join(root, d));
  mkdirSync(src);
  mkdirSync(target);
  const err = await t.throwsAsync(mountAll([
    { type: 'bind', source: src, options: ['bind'] },
    { type: 'overlay', source: 'overlay', options: [`lowerdir=${path.join(root, 'missing')}`] },
  ], target));
  t.true(isKind(err, 'Unavailable'));
  t.regex(err!.message, /mount/);
  t.false(await isMountPoint(target));
});

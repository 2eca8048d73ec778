import test from 'ava';
import { mkdirSync, rmSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { applyLayer, changes } from '../../../runtime/archive/index.js';
import { mountOverlay, streamOf, tarOf, tempDir, umount } from './fixtures.js';

test('changes reports A, C and D like docker diff, over a real overlay with two lower layers', async (t) => {
  const root = tempDir(t);
  const [base, mid, upper, work, merged] = ['base', 'mid', 'upper', 'work', 'merged'].map((d) => path.join(root, d));
  for (const d of [base, mid, upper, work, merged]) mkdirSync(d);
  await applyLayer(streamOf(await tarOf([
    { name: 'etc/passwd', data: 'root' },
    { name: 'etc/hosts', data: 'h' },
    { name: 'etc/motd', data: 'm' },
    { name: 'srv/data/a', data: 'a' },
    { name: 'usr/bin/tool', data: 't' },
  ])), base, { whiteouts: 'overlay' });
  await applyLayer(streamOf(await tarOf([
    { name: 'etc/.wh.motd' },
    { name: 'srv/data/b', data: 'b' },
  ])), mid, { whiteouts: 'overlay' });
  mountOverlay(merged, [mid, base], upper, work);
  t.teardown(() => { try { umount(merged); } catch { /* done */ } });

  writeFileSync(path.join(merged, 'etc/passwd'), 'root2');         // C, and C /etc
  unlinkSync(path.join(merged, 'etc/hosts'));                       // D (a file of the base layer)
  writeFileSync(path.join(merged, 'etc/motd'), 'new motd');         // A: the mid layer deleted it
  mkdirSync(path.join(merged, 'opt/app'), { recursive: true });     // A, A
  writeFileSync(path.join(merged, 'opt/app/run'), '#!/bin/sh');     // A
  rmSync(path.join(merged, 'srv/data'), { recursive: true });       // dir replaced: C /srv/data…
  mkdirSync(path.join(merged, 'srv/data'));
  writeFileSync(path.join(merged, 'srv/data/c'), 'c');              // …A c, D a (base), D b (mid)
  chmodSync(path.join(merged, 'usr/bin/tool'), 0o700);              // metadata only: C
  umount(merged);

  t.deepEqual(await changes(upper, [mid, base]), [
    { path: '/etc', kind: 'C' },
    { path: '/etc/hosts', kind: 'D' },
    { path: '/etc/motd', kind: 'A' },
    { path: '/etc/passwd', kind: 'C' },
    { path: '/opt', kind: 'A' },
    { path: '/opt/app', kind: 'A' },
    { path: '/opt/app/run', kind: 'A' },
    { path: '/srv', kind: 'C' },
    { path: '/srv/data', kind: 'C' },
    { path: '/srv/data/a', kind: 'D' },
    { path: '/srv/data/b', kind: 'D' },
    { path: '/srv/data/c', kind: 'A' },
    { path: '/usr', kind: 'C' },
    { path: '/usr/bin', kind: 'C' },
    { path: '/usr/bin/tool', kind: 'C' },
  ]);
});

test('changes of an untouched upper dir is empty; with no lower dirs everything is added', async (t) => {
  const root = tempDir(t);
  t.deepEqual(await changes(root, []), []);
  mkdirSync(path.join(root, 'x'));
  writeFileSync(path.join(root, 'x/y'), '');
  t.deepEqual(await changes(root, []), [{ path: '/x', kind: 'A' }, { path: '/x/y', kind: 'A' }]);
});

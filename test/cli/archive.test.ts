import test from 'ava';
import { mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { extractTar, packPath, renameEntry } from '../../cli/archive.js';

function tmp(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tspaas-archive-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('renameEntry renames or drops the top level only', (t) => {
  t.is(renameEntry('etc/hosts', undefined), 'etc/hosts');
  t.is(renameEntry('./etc/', undefined), 'etc');
  t.is(renameEntry('etc', { from: 'etc', to: 'conf' }), 'conf');
  t.is(renameEntry('etc/hosts', { from: 'etc', to: 'conf' }), 'conf/hosts');
  t.is(renameEntry('etcetera/x', { from: 'etc', to: 'conf' }), 'etcetera/x');
  t.is(renameEntry('etc', { from: 'etc', to: '' }), undefined);
  t.is(renameEntry('etc/hosts', { from: 'etc', to: '' }), 'hosts');
});

test('pack then extract keeps files, modes, directories and symlinks, under a new name', async (t) => {
  const dir = tmp(t);
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'sub'), { recursive: true });
  writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(path.join(src, 'sub', 'data.txt'), 'data');
  symlinkSync('run.sh', path.join(src, 'link'));
  const out = path.join(dir, 'out');
  mkdirSync(out);
  await extractTar(packPath(src, 'src'), out, { from: 'src', to: 'copy' });
  t.is(readFileSync(path.join(out, 'copy', 'run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  t.is(statSync(path.join(out, 'copy', 'run.sh')).mode & 0o777, 0o755);
  t.is(readFileSync(path.join(out, 'copy', 'sub', 'data.txt'), 'utf8'), 'data');
  t.is(readlinkSync(path.join(out, 'copy', 'link')), 'run.sh');
});

test('packing a directory\'s contents ("") and a single file', async (t) => {
  const dir = tmp(t);
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'a'), 'A');
  writeFileSync(path.join(dir, 'file'), 'F');
  const out = path.join(dir, 'out');
  mkdirSync(out);
  await extractTar(packPath(path.join(dir, 'src'), ''), out);
  await extractTar(packPath(path.join(dir, 'file'), 'renamed'), out);
  t.is(readFileSync(path.join(out, 'a'), 'utf8'), 'A');
  t.is(readFileSync(path.join(out, 'renamed'), 'utf8'), 'F');
});

test('entries escaping the destination are refused', async (t) => {
  const dir = tmp(t);
  const pack = tar.pack();
  pack.entry({ name: '../evil', size: 1 }, 'x');
  pack.finalize();
  await t.throwsAsync(extractTar(Readable.from(pack as unknown as AsyncIterable<Buffer>), dir), { message: /outside the destination/ });
});

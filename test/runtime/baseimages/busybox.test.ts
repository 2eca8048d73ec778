/** busybox:latest built from busybox-static into a real image store: content, determinism, one build per request burst, and it runs. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isKind } from '../../../lib/errors.js';
import { openImageStore } from '../../../runtime/images/index.js';
import type { ImageStore } from '../../../runtime/images/types.js';
import type { Progress } from '../../../runtime/types.js';
import { buildBaseImage, findBaseImage, isBaseImage, knownBaseImages } from '../../../runtime/baseimages/index.js';
import { isStaticElf } from '../../../runtime/baseimages/busybox.js';
import { findBinary } from '../../../lib/binaries.js';
import { runImage } from './run-image.js';

async function tempStore(t: { teardown(fn: () => Promise<void>): void }): Promise<ImageStore> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-baseimages-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  return openImageStore(dir);
}

interface TarItem { name: string; type: string; mode: number; mtime: number; linkname?: string | null; data: Buffer }

async function readTar(stream: Readable): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      items.push({ name: h.name, type: h.type!, mode: h.mode!, mtime: h.mtime!.getTime(), linkname: h.linkname, data: Buffer.concat(chunks) });
    }
  })();
  stream.pipe(extract);
  await done;
  return items;
}

test('the image holds busybox, a link per applet and the basic files, deterministically packed', async (t) => {
  const store = await tempStore(t);
  const image = await buildBaseImage('busybox', store);
  t.deepEqual(image.repoTags, ['busybox:latest']);
  t.deepEqual(image.config.config.Cmd, ['sh']);
  t.true(image.config.config.Env!.some((e) => e.startsWith('PATH=')));
  t.regex(image.config.history![0].comment!, /busybox-static/);
  t.is(image.layers.length, 1);

  const items = await readTar(store.openLayer(image.layers[0]));
  const names = items.map((i) => i.name);
  t.deepEqual(names, [...names].sort());
  const byName = new Map(items.map((i) => [i.name, i]));
  const binary = await fsp.readFile((await findBinary('busybox'))!);
  t.true(byName.get('bin/busybox')!.data.equals(binary));
  t.is(byName.get('bin/sh')!.type, 'symlink');
  t.is(byName.get('bin/sh')!.linkname, 'busybox');
  t.is(byName.get('tmp/')!.mode & 0o7777, 0o1777);
  t.is(byName.get('root/')!.mode & 0o777, 0o700);
  for (const d of ['proc/', 'sys/', 'dev/']) t.is(byName.get(d)?.type, 'directory');
  t.regex(byName.get('etc/passwd')!.data.toString(), /^root:x:0:0:.*\nnobody:x:65534:65534:/);
  t.regex(byName.get('etc/group')!.data.toString(), /^root:x:0:\nnobody:x:65534:/);
  t.is(new Set(items.map((i) => i.mtime)).size, 1, 'every entry has the same mtime');
  const applets = items.filter((i) => i.type === 'symlink').length;
  t.true(applets > 200, `${applets} applets`);
});

test('rebuilding gives the same image ID, in the same store and in another', async (t) => {
  const [a, b] = [await tempStore(t), await tempStore(t)];
  const first = await buildBaseImage('busybox:latest', a);
  await a.remove('busybox:latest', { force: true });
  const again = await buildBaseImage('busybox:latest', a);
  const elsewhere = await buildBaseImage('docker.io/library/busybox', b);
  t.is(again.id, first.id);
  t.is(elsewhere.id, first.id);
  t.is(again.layers[0].diffId, first.layers[0].diffId);
});

test('concurrent requests share one build and all see its progress', async (t) => {
  const real = await tempStore(t);
  let layersPut = 0;
  const counting: ImageStore = Object.create(real, { putLayer: { value: (s: Readable) => { layersPut++; return real.putLayer(s); } } });
  const seen: Progress[][] = [[], [], []];
  const images = await Promise.all(seen.map((log) => buildBaseImage('busybox', counting, (p) => log.push(p))));
  t.is(layersPut, 1);
  t.is(new Set(images.map((i) => i.id)).size, 1);
  for (const log of seen) t.regex(log.at(-1)!.status, /^Built busybox:latest/);
  t.regex(seen[0][0].status, /^Building busybox:latest/);
  // Once finished, a new request builds again.
  await buildBaseImage('busybox', counting);
  t.is(layersPut, 2);
});

test('the built image runs under the real runtime', async (t) => {
  const store = await tempStore(t);
  const image = await buildBaseImage('busybox', store);
  const r = await runImage(store, image, ['sh', '-c', 'id; ls /bin | grep -c .; wget --help 2>&1 | head -1; echo ok > /tmp/x && cat /tmp/x']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /uid=0\(root\) gid=0\(root\)/);
  t.regex(r.stdout, /^ok$/m);
  t.true(Number(r.stdout.split('\n')[1]) > 200);
});

test('the registry knows busybox and debian by any spelling, and nothing else', async (t) => {
  t.deepEqual(knownBaseImages.map((b) => b.name), ['busybox:latest', 'debian:bookworm']);
  t.true(isBaseImage('busybox'));
  t.true(isBaseImage('docker.io/library/busybox:latest'));
  t.true(isBaseImage('debian:bookworm'));
  t.false(isBaseImage('debian'));
  t.false(isBaseImage('alpine'));
  t.false(isBaseImage('Not A Reference'));
  t.is(findBaseImage('library/debian:bookworm')?.packages[0], 'mmdebstrap');
  const store = await tempStore(t);
  t.true(isKind(await t.throwsAsync(buildBaseImage('alpine', store)), 'NotFound'));
});

test('only a statically linked busybox is accepted', async (t) => {
  t.true(isStaticElf(await fsp.readFile((await findBinary('busybox'))!)));
  t.false(isStaticElf(await fsp.readFile((await findBinary('ls'))!)));
  t.false(isStaticElf(Buffer.from('#!/bin/sh\necho not elf\n')));
});

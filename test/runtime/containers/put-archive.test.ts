/**
 * `putArchive` with the tar streamed from a child process (`tar -cf -` on
 * stdout), as the buildpack runner copies sources and buildpacks into a
 * created build container: every entry must arrive, however the pipe splits
 * the stream and whether or not the child has exited before the engine reads.
 * (Node resumes a child's untouched stdout when the child exits, dropping the
 * data, unless a reader is attached by then: putArchive attaches one at once.)
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import tarStream from 'tar-stream';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { isMountPoint } from '../../../runtime/snapshots/mount.js';
import { containerPaths } from '../../../runtime/containers/paths.js';

let te: TestEngine;
let src: string;
let small: string;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox');
  src = await mkdtemp(path.join(os.tmpdir(), 'put-src-'));
  await mkdir(path.join(src, 'sub'));
  for (let i = 0; i < 40; i++) await writeFile(path.join(src, 'sub', `f${i}.txt`), `file ${i}\n`.repeat(i * 50 + 1));
  await writeFile(path.join(src, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  small = await mkdtemp(path.join(os.tmpdir(), 'put-small-'));
  for (const name of ['detect', 'compile', 'release']) await writeFile(path.join(small, name), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
});
test.after.always(async () => {
  await te?.cleanup();
  for (const d of [src, small]) if (d) await rm(d, { recursive: true, force: true });
});

/** `tar -cf - -C dir .` with `flags`: its stdout as child_process hands it out. */
function tarOf(dir: string, flags: string[] = []): Readable {
  return spawn('tar', ['-C', dir, ...flags, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
}

/** Regular files (name → size) of a tar stream. */
async function filesOf(s: Readable): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ex = tarStream.extract();
  ex.on('entry', (h, body, next) => {
    if (h.type === 'file') out.set(h.name, h.size ?? 0);
    body.on('end', next);
    body.resume();
  });
  s.pipe(ex);
  await new Promise<void>((r, j) => { ex.on('finish', () => r()); ex.on('error', j); });
  return out;
}

test('a large tar streamed from a child process arrives whole in a created container', async (t) => {
  t.timeout(3 * 60 * 1000);
  const e = te.engine;
  const id = (await e.createContainer({ image: 'busybox', cmd: ['true'] })).record.id;
  for (let i = 0; i < 4; i++) {
    const tar = tarOf(src, [`--transform=s,^\\.,in/r${i},`]);
    if (i % 2 === 1) await sleep(300); // the pipe is full: the child waits for the engine
    await e.putArchive(id, '/', tar);
    const files = await filesOf((await e.getArchive(id, `/in/r${i}`)).tar);
    t.is(files.size, 41, `round ${i}: ${[...files.keys()].join(' ')}`);
    t.is(files.get(`r${i}/big.bin`), 3 * 1024 * 1024);
  }
});

test('a small tar from a child that exited before the engine reads arrives whole', async (t) => {
  t.timeout(3 * 60 * 1000);
  const e = te.engine;
  const id = (await e.createContainer({ image: 'busybox', cmd: ['true'] })).record.id;
  for (let i = 0; i < 4; i++) {
    const child = spawn('tar', ['-C', small, `--transform=s,^\\.,bp/r${i},`, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    const put = e.putArchive(id, '/', child.stdout); // mounting the rootfs takes a while; the child is done first
    await exited;
    await put;
    const files = await filesOf((await e.getArchive(id, `/bp/r${i}`)).tar);
    t.deepEqual([...files.keys()].sort(), [`r${i}/compile`, `r${i}/detect`, `r${i}/release`]);
  }
});

test('removing a container while a copy out of it is still being read succeeds and leaves no mount behind', async (t) => {
  const e = te.engine;
  const id = (await e.createContainer({ image: 'busybox', cmd: ['true'] })).record.id;
  const { tar } = await e.getArchive(id, '/'); // holds the root mounted until read or destroyed
  const { rootfs, bundle } = containerPaths(te.config.root, te.config.runRoot, id);
  t.true(await isMountPoint(rootfs));
  await e.removeContainer(id, { force: true });
  t.false(await isMountPoint(rootfs));
  t.false(existsSync(bundle), 'the bundle is gone');
  tar.destroy();
  await t.throwsAsync(e.getContainer(id), { message: /No such container/ });
});

test('removing a container right after its export was read to the end never meets the root still mounted (EBUSY)', async (t) => {
  // A full run's context-escape test met it: the reader's release was still unmounting when the removal deleted the bundle.
  const e = te.engine;
  for (let round = 0; round < 25; round++) {
    const id = (await e.createContainer({ image: 'busybox', cmd: ['true'] })).record.id;
    const stream = await e.exportContainer(id);
    for await (const chunk of stream) void chunk;
    await e.removeContainer(id, { force: true });
    const { rootfs, bundle } = containerPaths(te.config.root, te.config.runRoot, id);
    t.false(await isMountPoint(rootfs), `round ${round}`);
    t.false(existsSync(bundle), `round ${round}: the bundle is gone`);
  }
});

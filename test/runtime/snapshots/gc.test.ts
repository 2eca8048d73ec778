/**
 * Unpacked layers go with the last image and container that need them
 * (issue 12: a destroyed app's images must not leave their files on disk).
 * Docker's `rmi` deletes an image's layers the same way. Real engine.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { chainIds } from '../../../runtime/snapshots/chain.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { build } from '../build/helpers.js';

let te: TestEngine;
test.before(async () => { te = await startTestEngine(); });
test.after.always(async () => { await te?.cleanup(); });

const unpacked = async () => new Set((await fsp.readdir(path.join(te.config.root, 'snapshots', 'layers'))).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`));

async function imageChains(ref: string): Promise<string[]> {
  return chainIds((await te.engine.images.get(ref)).layers.map((l) => l.diffId));
}

test.serial('removing an image removes the layers only it had unpacked; those of other images stay', async (t) => {
  await build(te.engine, { Dockerfile: 'FROM busybox\nRUN echo one > /one\n' }, { tags: ['gc-one:1'] });
  const chains = await imageChains('gc-one:1');
  const base = await imageChains('busybox');
  const c = await te.engine.createContainer({ image: 'gc-one:1', cmd: ['true'] });
  await te.engine.removeContainer(c.record.id, { force: true });
  const before = await unpacked();
  for (const id of chains) t.true(before.has(id));
  await te.engine.pruneBuildCache();
  await te.engine.removeImage('gc-one:1');
  await te.engine.pruneImages(); // the build's dangling intermediate images
  const after = await unpacked();
  t.false(after.has(chains.at(-1)!), 'the image\'s own layer is gone');
  for (const id of base) {
    t.true(before.has(id), 'the build unpacked busybox');
    t.true(after.has(id), 'busybox\'s layers stay while busybox is stored');
  }
});

test.serial('a container keeps the layers it stands on, even when its image is force-removed', async (t) => {
  await build(te.engine, { Dockerfile: 'FROM busybox\nRUN echo two > /two\n' }, { tags: ['gc-two:1'] });
  const chains = await imageChains('gc-two:1');
  const c = await te.engine.createContainer({ image: 'gc-two:1', cmd: ['cat', '/two'] });
  await te.engine.removeImage('gc-two:1', { force: true });
  await te.engine.pruneImages({ all: true });
  const kept = await unpacked();
  for (const id of chains) t.true(kept.has(id), 'the container\'s chain is kept');
  await te.engine.startContainer(c.record.id);
  t.is(await te.engine.waitContainer(c.record.id, 'not-running').then(() => 'ran'), 'ran');
  const out: string[] = [];
  for await (const l of te.engine.containerLogs(c.record.id, {})) out.push(l.data.toString());
  t.is(out.join(''), 'two\n');
  await te.engine.removeContainer(c.record.id, { force: true });
});

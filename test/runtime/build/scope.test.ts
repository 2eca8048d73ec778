/**
 * Build cache scopes (issue 12: a cache hit hands over what an earlier RUN
 * made, so tenants must not share one): a build hits only entries of its own
 * scope; pruning a scope removes its entries and the intermediate images
 * they kept, with their unpacked layers, and nothing of other scopes. Real
 * engine, real RUN containers.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { build } from './helpers.js';

let te: TestEngine;
test.before(async () => { te = await startTestEngine(); });
test.after.always(async () => { await te?.cleanup(); });

const SECRET = { Dockerfile: 'FROM busybox\nRUN head -c 12 /dev/urandom | od -An -tx1 > /secret\nRUN echo two > /two\n' };

async function readSecret(imageId: string): Promise<string> {
  const c = await te.engine.createContainer({ image: imageId, cmd: ['cat', '/secret'] });
  try {
    const chunks: string[] = [];
    await te.engine.startContainer(c.record.id);
    await te.engine.waitContainer(c.record.id, 'not-running');
    for await (const l of te.engine.containerLogs(c.record.id, {})) chunks.push(l.data.toString());
    return chunks.join('');
  } finally {
    await te.engine.removeContainer(c.record.id, { force: true });
  }
}

const snapshotCount = async () => (await fsp.readdir(path.join(te.config.root, 'snapshots', 'layers'))).filter((n) => /^[0-9a-f]{64}$/.test(n)).length;

test.serial('a build hits only its own scope: the same Dockerfile in another scope runs again and gets its own RUN output', async (t) => {
  const a = await build(te.engine, SECRET, { scope: 'app-a' });
  t.is(a.error, null, a.error?.message);
  const again = await build(te.engine, SECRET, { scope: 'app-a' });
  t.is(again.cached, 2, 'the same scope hits');
  t.is(again.image!.id, a.image!.id);
  const b = await build(te.engine, SECRET, { scope: 'app-b' });
  t.is(b.cached, 0, 'another scope never hits scope a');
  const shared = await build(te.engine, SECRET);
  t.is(shared.cached, 0, 'nor does the unscoped cache');
  t.not(await readSecret(b.image!.id), await readSecret(a.image!.id));
});

test.serial('pruning a scope removes its entries, its intermediate images and their unpacked layers, and nothing else', async (t) => {
  const a = await build(te.engine, SECRET, { scope: 'prune-a' });
  const b = await build(te.engine, SECRET, { scope: 'prune-b' });
  t.is(b.cached, 0);
  const ofA = a.events.flatMap((e) => (e.kind === 'image' ? [e.id] : [])).slice(1); // past FROM: the steps' images
  t.is(ofA.length, 2);
  await readSecret(a.image!.id); // unpacks a's layers
  const before = await snapshotCount();
  const pruned = await te.engine.pruneBuildCache({ scope: 'prune-a' });
  t.is(pruned.entries, 2);
  t.deepEqual(pruned.imagesDeleted.sort(), [...ofA].sort());
  for (const id of ofA) await t.throwsAsync(te.engine.images.get(id), undefined, `intermediate image ${id} is gone`);
  t.true((await snapshotCount()) < before, 'the unpacked layers of a\'s images went with them');
  await te.engine.images.get(b.image!.id);
  t.is((await build(te.engine, SECRET, { scope: 'prune-b' })).cached, 2, 'scope b is intact');
  t.is((await build(te.engine, SECRET, { scope: 'prune-a' })).cached, 0, 'scope a starts empty');
  t.is(await readSecret(b.image!.id) === '', false, 'b\'s image still runs: its layers were kept');
});

test.serial('a tagged image of a pruned scope is kept (only the entry goes); a malformed scope is refused before anything runs', async (t) => {
  const tagged = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN echo kept > /kept\n' }, { scope: 'tagged', tags: ['kept:1'] });
  const pruned = await te.engine.pruneBuildCache({ scope: 'tagged' });
  t.is(pruned.entries, 1);
  t.deepEqual(pruned.imagesDeleted, []);
  t.is((await te.engine.images.get('kept:1')).id, tagged.image!.id);
  for (const scope of ['../escape', '', 'a/b', '.hidden', 'x'.repeat(129)]) {
    const r = await build(te.engine, SECRET, { scope: scope });
    t.regex(r.error?.message ?? '', /build cache scope/, scope);
    t.deepEqual(r.events, []);
    await t.throwsAsync(te.engine.pruneBuildCache({ scope }), { message: /build cache scope/ });
  }
});

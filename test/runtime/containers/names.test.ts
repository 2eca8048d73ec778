/** Container names under concurrent creates: a name is held from the moment a create picks it. */
import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
});
test.after.always(async () => { await te?.cleanup(); });

test('two creates of one name at once: one wins, the other is a Conflict; a failed create frees its name', async (t) => {
  const results = await Promise.allSettled([1, 2].map(() => te.engine.createContainer({ image: 'busybox:latest', cmd: ['true'], name: 'twin', networkMode: 'none' })));
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.true(isKind(failed.reason, 'Conflict'), String(failed.reason));
  await te.engine.removeContainer('twin', { force: true });
  // An image without a command fails the create before any await: the name stays free.
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', cmd: [], entrypoint: [], name: 'nocmd', networkMode: 'none' }));
  const c = await te.engine.createContainer({ image: 'busybox:latest', cmd: ['true'], name: 'nocmd', networkMode: 'none' });
  t.is(c.record.name, 'nocmd');
  await te.engine.removeContainer('nocmd', { force: true });
});

test('40 creates at once with generated names get 40 distinct names', async (t) => {
  const made = await Promise.all(Array.from({ length: 40 }, () => te.engine.createContainer({ image: 'busybox:latest', cmd: ['true'], networkMode: 'none' })));
  t.is(new Set(made.map((c) => c.record.name)).size, 40);
  await Promise.all(made.map((c) => te.engine.removeContainer(c.record.id, { force: true })));
});

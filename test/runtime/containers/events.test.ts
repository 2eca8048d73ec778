/**
 * Container events carry the container's labels (what `docker events
 * --filter label=…` matches on), restart, rename and commit included: they go
 * through the one container event builder (containers/context.ts).
 */
import test from 'ava';
import { startTestEngine } from '../../helpers/engine.js';
import type { EngineEvent } from '../../../runtime/types.js';

test('restart, rename and commit events carry the name, image and labels of the container', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sleep', '600'], name: 'ev1', labels: { team: 'blue', tier: 'web' } });
  const seen: EngineEvent[] = [];
  e.events.on('event', (ev: EngineEvent) => { if (ev.id === c.record.id) seen.push(ev); });
  await e.startContainer(c.record.id);
  await e.restartContainer(c.record.id, 0);
  await e.renameContainer(c.record.id, 'ev2');
  const image = await e.commitContainer(c.record.id, { tag: 'evsnap:1' });
  await e.stopContainer(c.record.id, 0);

  const of = (action: string) => seen.find((ev) => ev.action === action)?.attributes;
  t.like(of('restart'), { name: 'ev1', image: 'busybox', team: 'blue', tier: 'web' });
  t.like(of('rename'), { name: 'ev2', oldName: '/ev1', image: 'busybox', team: 'blue', tier: 'web' });
  t.like(of('commit'), { name: 'ev2', imageID: image.id, image: 'busybox', team: 'blue', tier: 'web' });
});

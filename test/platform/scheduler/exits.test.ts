/**
 * The local scheduler's exit feed (Scheduler.watchExits) on a real engine:
 * every end of a process or one-off is told once, with its app, container,
 * `type.N`, one-off flag and exit code; nothing after the feed is stopped.
 */
import test from 'ava';
import type { ProcessExit } from '../../../platform/types.js';
import { eventually, makeApp, makeRelease, schedulerBed } from './fixtures.js';
import { memorySize } from '../../helpers/plans.js';

const bed = schedulerBed();

test('a process and a one-off that end are told once each, with app, name, one-off flag and exit code; a stopped feed tells nothing', async (t) => {
  const app = makeApp('exits');
  const release = makeRelease(app, 1, { worker: 'sleep 0.5; exit 3' });
  const exits: ProcessExit[] = [];
  const stop = bed.s.watchExits((e) => { if (e.appId === app.id) exits.push(e); });
  const p = await bed.s.startProcess(app, release, 'worker', 2, memorySize(64 * 1024 * 1024));
  const run = await bed.s.runOneOff(app, release, { command: ['exit 5'], tty: false, attach: false });
  await run.wait();
  await eventually(async () => exits.length >= 2);
  const byContainer = new Map(exits.map((e) => [e.containerId, e]));
  t.deepEqual(byContainer.get(p.containerId), { appId: app.id, containerId: p.containerId, name: 'worker.2', oneOff: false, exitCode: 3 });
  t.deepEqual(byContainer.get(run.containerId), { appId: app.id, containerId: run.containerId, name: run.name, oneOff: true, exitCode: 5 });
  t.is(exits.length, 2);

  stop();
  const after = await bed.s.startProcess(app, release, 'worker', 3, memorySize(64 * 1024 * 1024));
  await bed.te.engine.waitContainer(after.containerId, 'not-running');
  t.is(exits.length, 2);
  await bed.s.removeApp(app);
});

/**
 * Scale, crash restarts, restarts and reconcile on a real engine, PostgreSQL
 * and Redis: scaling touches only the changed types; a killed process loses
 * its backend at once and comes back (restarts counted), also when a
 * reconcile recorded its death first; ps:restart replaces
 * containers with the route switched; after the engine lost every container
 * (a host reboot) reconcile restores the formation and the routes.
 */
import test from 'ava';
import { createDeployer } from '../../../platform/deploy/index.js';
import { listProcessRecords, setProcessState } from '../../../platform/store/processes.js';
import { setBackends } from '../../../platform/routing/backends.js';
import { startBed, deployed, eventually, fetchText, WEB, WORKER, type Bed } from './harness.js';
import type { App, ProcessInfo } from '../../../platform/types.js';

let bed: Bed;
let app: App;
test.before(async () => {
  bed = await startBed('scale', { crashBackoff: { firstDelayMs: 300 } });
  app = await bed.newApp('scaly');
  await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'scaled' }, unset: [] }, null);
  const r = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build: await bed.newBuild(app, { web: WEB, worker: WORKER }) }, null));
  if (r.status !== 'succeeded') throw new Error(`first deploy failed: ${r.error}`);
});
test.after.always(async () => { await bed?.close(); });

const ps = async () => (await bed.deps.scheduler.listProcesses(app)).filter((p) => p.state === 'up');
const ids = (procs: ProcessInfo[], type: string) => procs.filter((p) => p.type === type).map((p) => p.containerId).sort();
const caller = null as never;
/** Kill the process from the host, as a crash or the OOM killer does (not a stop through the engine). */
const crash = async (containerId: string) => process.kill((await bed.te.engine.getContainer(containerId)).state.pid, 'SIGKILL');

test.serial('scale touches only the changed types', async (t) => {
  const web1 = ids(await ps(), 'web');
  t.is(web1.length, 1);
  const f = await bed.deps.deployer.scale(app, [{ type: 'worker', quantity: 2 }], caller);
  t.deepEqual(f.map((e) => [e.type, e.quantity]), [['web', 1], ['worker', 2]]);
  const workers = await eventually('two workers', async () => { const w = ids(await ps(), 'worker'); return w.length === 2 && w; });
  t.deepEqual(ids(await ps(), 'web'), web1, 'web was not restarted');

  await bed.deps.deployer.scale(app, [{ type: 'web', quantity: 3 }], caller);
  const three = await eventually('three backends', async () => { const b = await bed.backends(app); return b.length === 3 && b; });
  t.deepEqual(ids(await ps(), 'worker'), workers, 'workers were not restarted');
  t.true(ids(await ps(), 'web').includes(web1[0]));
  for (const b of three) t.is(await fetchText(b), 'scaled');

  await bed.deps.deployer.scale(app, [{ type: 'web', quantity: 1 }], caller);
  await eventually('one web', async () => ids(await ps(), 'web').length === 1 && (await bed.backends(app)).length === 1);
  t.deepEqual(ids(await ps(), 'web'), web1, 'web.1 stayed; web.3 and web.2 went');
  t.deepEqual((await ps()).map((p) => p.name).sort(), ['web.1', 'worker.1', 'worker.2']);

  await t.throwsAsync(bed.deps.deployer.scale(app, [{ type: 'clock', quantity: 1 }], caller), { message: /no process type clock/ });
  await t.throwsAsync(bed.deps.deployer.scale(app, [{ type: 'web', quantity: 101 }], caller), { message: /0-100/ });
});

test.serial('a crashed process loses its backend at once and is replaced, its restarts counted', async (t) => {
  const [web] = (await ps()).filter((p) => p.type === 'web');
  const backend = `${web.address}:${web.port}`;
  t.deepEqual(await bed.backends(app), [backend]);
  await crash(web.containerId);
  await eventually('backend dropped', async () => !(await bed.backends(app)).includes(backend), 5000);
  const next = await eventually('replacement', async () => (await ps()).find((p) => p.type === 'web' && p.containerId !== web.containerId));
  t.is(next.name, 'web.1');
  t.is(next.restarts, 1);
  await eventually('new backend', async () => (await bed.backends(app)).join() === `${next.address}:${next.port}`);
  t.is(await fetchText(`${next.address}:${next.port}`), 'scaled');
  const rec = await eventually('records', async () => {
    const r = (await listProcessRecords(bed.deps.db, app.id)).filter((x) => x.type === 'web');
    return r.length === 1 && r[0].state === 'up' && r;
  });
  t.is(rec[0].restarts, 1);
  t.is(rec[0].containerId, next.containerId);
});

test.serial('a process a running reconcile saw dead first (its row already crashed, its backend gone) is still replaced', async (t) => {
  // What a reconcile's final sync records when the process dies while it runs: the crash watcher used to skip it.
  const [web] = (await ps()).filter((p) => p.type === 'web');
  await setProcessState(bed.deps.db, [web.containerId], 'crashed');
  await bed.deps.db.transaction((q) => setBackends(q, app.name, []));
  await crash(web.containerId);
  const next = await eventually('replacement', async () => (await ps()).find((p) => p.type === 'web' && p.containerId !== web.containerId));
  t.is(next.name, 'web.1');
  t.is(next.restarts, web.restarts + 1);
  await eventually('new backend', async () => (await bed.backends(app)).join() === `${next.address}:${next.port}`);
  await eventually('the old row gone', async () => (await listProcessRecords(bed.deps.db, app.id)).every((r) => r.containerId !== web.containerId));
});

test.serial('ps:restart of web replaces its containers and switches the route; workers stay', async (t) => {
  const before = await ps();
  await bed.deps.deployer.restart(app, 'web', caller);
  const after = await ps();
  t.notDeepEqual(ids(after, 'web'), ids(before, 'web'));
  t.deepEqual(ids(after, 'worker'), ids(before, 'worker'));
  const [web] = after.filter((p) => p.type === 'web');
  t.deepEqual(await bed.backends(app), [`${web.address}:${web.port}`]);
  await bed.deps.deployer.restart(app, 'worker.2', caller);
  const w2 = (await ps()).find((p) => p.name === 'worker.2')!;
  t.false(ids(before, 'worker').includes(w2.containerId));
  await t.throwsAsync(bed.deps.deployer.restart(app, 'clock', caller), { message: /no process clock/ });
});

test.serial('after the engine lost every container (host reboot), reconcile restores the formation and routes', async (t) => {
  // The daemon is down while the host reboots: nobody watches for crashes.
  await bed.deps.deployer.close();
  for (const c of await bed.te.engine.listContainers({ all: true })) await bed.te.engine.removeContainer(c.record.id, { force: true });
  bed.deps.deployer = createDeployer(bed.deps, { crashBackoff: { firstDelayMs: 300 } });
  await bed.deps.deployer.reconcileApp(app.id);
  const now = await ps();
  t.deepEqual(now.map((p) => p.name).sort(), ['web.1', 'worker.1', 'worker.2']);
  const [web] = now.filter((p) => p.type === 'web');
  t.deepEqual(await bed.backends(app), [`${web.address}:${web.port}`]);
  t.is(await fetchText(`${web.address}:${web.port}`), 'scaled');
  t.deepEqual((await listProcessRecords(bed.deps.db, app.id)).map((r) => [`${r.type}.${r.index}`, r.state]).sort(),
    [['web.1', 'up'], ['worker.1', 'up'], ['worker.2', 'up']]);
});

test.serial('a crash loop restarts with growing delays and shows as crashed with its count', async (t) => {
  const loopy = await bed.newApp('loopy');
  const build = await bed.newBuild(loopy, { flaky: 'echo "up $DYNO"; sleep 1; echo "dying" >&2; exit 1' }, { formation: { flaky: { quantity: 1 } } });
  const r = await deployed(bed, await bed.deps.deployer.createRelease(loopy, { kind: 'build', build }, null));
  t.is(r.status, 'succeeded', r.error ?? '');
  const ups: number[] = [];
  const off = bed.deps.events.subscribe(loopy.id, (e) => { if (e.kind === 'process' && e.state === 'up') ups.push(Date.now()); });
  t.teardown(off);
  let sawCrashed = false;
  await eventually('three restarts', async () => {
    const procs = await bed.deps.scheduler.listProcesses(loopy);
    if (procs.some((p) => p.state === 'crashed' && p.restarts >= 1)) sawCrashed = true;
    return ups.length >= 3;
  }, 20_000);
  t.true(sawCrashed, 'ps showed the crashed process with its restarts');
  // Each replacement lives ~1 s; the waits before them grow 300, 600, 1200 ms.
  t.true(ups[2] - ups[1] > ups[1] - ups[0], `gaps ${ups[1] - ups[0]} then ${ups[2] - ups[1]} ms`);
  const rec = (await listProcessRecords(bed.deps.db, loopy.id)).find((x) => x.type === 'flaky');
  t.true((rec?.restarts ?? 0) >= 3);
  await bed.deps.deployer.scale(loopy, [{ type: 'flaky', quantity: 0 }], caller);
  await eventually('loop stopped', async () => (await bed.deps.scheduler.listProcesses(loopy)).length === 0, 10_000);
});

test.serial('a new size restarts only that type, and its new containers get it', async (t) => {
  const before = await ps();
  const f = await bed.deps.deployer.scale(app, [{ type: 'worker', size: { plan: 'basic', memoryBytes: 96 << 20 } }], caller);
  t.deepEqual(f.find((e) => e.type === 'worker'), { type: 'worker', quantity: 2, plan: 'basic', memoryBytes: 96 << 20 });
  const workers = await eventually('resized workers', async () => {
    const w = ids(await ps(), 'worker');
    return w.length === 2 && w.every((id) => !ids(before, 'worker').includes(id)) && w;
  });
  // Issue 13, part 4: the plan's CPU weight, CPU quota and pids come with it (basic: 512, 1 CPU, 256).
  for (const id of workers) {
    t.like((await bed.te.engine.getContainer(id)).record, {
      options: { memory: 96 << 20, cpuShares: 512, nanoCpus: 1e9, pidsLimit: 256 }, config: { Labels: { 'io.tspaas.plan': 'basic' } },
    });
  }
  t.deepEqual(ids(await ps(), 'web'), ids(before, 'web'));
  // Another plan with the same memory still rolls the type: CPU and pids differ.
  await bed.deps.deployer.scale(app, [{ type: 'worker', size: { plan: 'standard-2x', memoryBytes: 96 << 20 } }], caller);
  const rolled = await eventually('workers on standard-2x', async () => {
    const w = (await ps()).filter((p) => p.type === 'worker');
    return w.length === 2 && w.every((p) => p.plan === 'standard-2x' && p.state === 'up') && w;
  });
  for (const p of rolled) t.like((await bed.te.engine.getContainer(p.containerId)).record.options, { memory: 96 << 20, cpuShares: 2048, pidsLimit: 1024 });
});

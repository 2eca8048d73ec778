/**
 * Deploys end to end on a real engine, PostgreSQL and Redis: a first release
 * serves and the route table points to it; a failing health check or release
 * phase leaves the old release serving with the reason and log lines; config
 * changes roll out; deployRelease run again (or concurrently, or after an
 * interrupted attempt) is idempotent; deploys of an app run one at a time.
 */
import test from 'ava';
import { getRelease, setReleaseStatus } from '../../../platform/store/releases.js';
import { listProcessRecords } from '../../../platform/store/processes.js';
import { startBed, deployed, eventually, fetchText, WEB, type Bed } from './harness.js';
import type { App, PlatformEvent, Release } from '../../../platform/types.js';
import { memorySize } from '../../helpers/plans.js';

let bed: Bed;
let app: App;
let v1: Release;
test.before(async () => {
  bed = await startBed('deploy');
  app = await bed.newApp('shop');
});
test.after.always(async () => { await bed?.close(); });

const lines = (releaseId: string) => bed.events.filter((e): e is Extract<PlatformEvent, { kind: 'deploy' }> => e.kind === 'deploy' && e.releaseId === releaseId).map((e) => e.line);

test.serial('config before the first push is recorded, not deployed; the first build deploys and serves', async (t) => {
  const v0 = await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'hello v1' }, unset: [] }, null);
  t.is(v0.version, 1);
  t.is(v0.description, 'Set GREETING config vars');
  t.is((await bed.deps.deployer.waitForRelease(v0.id)).status, 'pending');
  const build = await bed.newBuild(app, { web: WEB });
  v1 = await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null);
  t.is(v1.version, 2);
  t.is(v1.description, `Deploy ${build.source.slice(0, 7)}`);
  t.deepEqual(v1.config, { GREETING: 'hello v1' });
  const seen: PlatformEvent[] = [];
  const done = await bed.deps.deployer.waitForRelease(v1.id, (e) => seen.push(e));
  t.is(done.status, 'succeeded', done.error ?? '');
  t.is((await bed.app(app.id)).currentReleaseId, v1.id);
  const backends = await bed.backends(app);
  t.is(backends.length, 1);
  t.is(await fetchText(backends[0]), 'hello v1');
  const procs = await bed.deps.scheduler.listProcesses(app);
  t.deepEqual(procs.map((p) => [p.name, p.releaseVersion, `${p.address}:${p.port}`]), [['web.1', 2, backends[0]]]);
  t.deepEqual((await listProcessRecords(bed.deps.db, app.id)).map((r) => [r.type, r.index, r.state]), [['web', 1, 'up']]);
  t.true(seen.some((e) => e.kind === 'deploy' && e.line.startsWith('Routing web to v2')));
  t.like(seen.at(-1), { kind: 'deploy-done', status: 'succeeded' });
  // A watcher that comes late replays the log and ends at once.
  const late: PlatformEvent[] = [];
  await bed.deps.deployer.waitForRelease(v1.id, (e) => late.push(e));
  t.deepEqual(late.filter((e) => e.kind === 'deploy').map((e) => (e as { line: string }).line), lines(v1.id));
});

test.serial('a failing health check leaves the old release serving and records why, with log lines', async (t) => {
  const before = await bed.backends(app);
  const build = await bed.newBuild(app, { web: 'echo "cannot bind: config missing" >&2; exit 1' });
  const r = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(r.status, 'failed');
  t.regex(r.error!, /web\.1 exited during its health check/);
  t.regex(r.error!, /cannot bind: config missing/);
  t.deepEqual(await bed.backends(app), before);
  t.is(await fetchText(before[0]), 'hello v1');
  t.is((await bed.app(app.id)).currentReleaseId, v1.id);
  t.deepEqual((await bed.deps.scheduler.listProcesses(app)).map((p) => p.releaseVersion), [2], 'no process of the failed release is left');
});

test.serial('an app.json HTTP check that never passes fails the deploy', async (t) => {
  const build = await bed.newBuild(app, { web: WEB }, { healthchecks: { web: [{ path: '/ready', attempts: 3, wait: 0.1 }] } });
  const r = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(r.status, 'failed');
  t.regex(r.error!, /failed its health check after 3 attempts \(GET \/ready: status 404\)/);
  t.is((await bed.app(app.id)).currentReleaseId, v1.id);
});

test.serial('a failing release phase stops the deploy before any process starts', async (t) => {
  const build = await bed.newBuild(app, { web: WEB, release: 'echo migrating; echo "relation users missing"; exit 3' });
  const r = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(r.status, 'failed');
  t.regex(r.error!, /exit code 3[\s\S]*relation users missing/);
  t.true(lines(r.id).includes('release: migrating'));
  t.false(lines(r.id).some((l) => l.startsWith('Starting')));
  t.is((await bed.app(app.id)).currentReleaseId, v1.id);
});

test.serial('a release phase that succeeds, then a config change and a rollback roll out with new containers', async (t) => {
  const build = await bed.newBuild(app, { web: WEB, release: 'echo migrated' });
  const v = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(v.status, 'succeeded', v.error ?? '');
  t.true(lines(v.id).includes('release: migrated'));
  const old = await bed.backends(app);
  const c = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'hello v2' }, unset: [] }, null));
  t.is(c.status, 'succeeded', c.error ?? '');
  const now = await bed.backends(app);
  t.notDeepEqual(now, old);
  t.is(await fetchText(now[0]), 'hello v2');
  const rb = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'rollback', to: v1 }, null));
  t.is(rb.description, `Rollback to v${v1.version}`);
  t.is(rb.status, 'succeeded', rb.error ?? '');
  t.is(await fetchText((await bed.backends(app))[0]), 'hello v1');
  // The release is live at the switch; the old processes stop right after their drain.
  await eventually('the old processes gone', async () => (await bed.deps.scheduler.listProcesses(app)).length === 1);
  t.pass();
});

test.serial('deployRelease is idempotent: run again, run concurrently, and resumed after an interrupted attempt', async (t) => {
  const build = await bed.newBuild(app, { web: WEB });
  const r = await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null);
  await Promise.all([bed.deps.deployer.deployRelease(r.id), bed.deps.deployer.deployRelease(r.id)]);
  await bed.deps.deployer.deployRelease(r.id);
  t.is((await getRelease(bed.deps.db, r.id)).status, 'succeeded');
  const procs = await bed.deps.scheduler.listProcesses(app);
  t.deepEqual(procs.map((p) => [p.name, p.releaseVersion]), [['web.1', r.version]]);
  t.is(lines(r.id).filter((l) => l.startsWith('Starting web.1')).length, 1);

  // An attempt that died after starting web.1: the next run reuses it.
  const build2 = await bed.newBuild(app, { web: WEB });
  const r2 = await bed.deps.db.transaction(async (q) => {
    const { insertRelease, lockApp, latestRelease } = await import('../../../platform/store/releases.js');
    const { nextRelease } = await import('../../../platform/deploy/release-change.js');
    await lockApp(q, app.id);
    return insertRelease(q, nextRelease(app.id, await latestRelease(q, app.id), { kind: 'build', build: build2 }, null));
  });
  await setReleaseStatus(bed.deps.db, r2.id, 'deploying');
  const early = await bed.deps.scheduler.startProcess(app, r2, 'web', 1, memorySize(64 << 20));
  await bed.deps.deployer.deployRelease(r2.id);
  t.is((await getRelease(bed.deps.db, r2.id)).status, 'succeeded');
  t.deepEqual(await bed.backends(app), [`${early.address}:${early.port}`]);
  t.deepEqual((await bed.deps.scheduler.listProcesses(app)).map((p) => p.containerId), [early.containerId]);
});

test.serial('deploys of one app run one at a time, in order; an older release never replaces a newer one', async (t) => {
  const a = await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'a' }, unset: [] }, null);
  const b = await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'b' }, unset: [] }, null);
  const [ra, rb] = await Promise.all([deployed(bed, a), deployed(bed, b)]);
  const order = bed.events.filter((e): e is Extract<PlatformEvent, { kind: 'deploy' }> => e.kind === 'deploy' && (e.releaseId === a.id || e.releaseId === b.id))
    .map((e) => `${e.releaseId === a.id ? 'a' : 'b'}:${e.line.split(' ')[0]}`);
  const firstB = order.findIndex((x) => x.startsWith('b:'));
  const lastA = order.length - 1 - [...order].reverse().findIndex((x) => x.startsWith('a:'));
  t.true(firstB === -1 || lastA < firstB || ra.status === 'failed', `interleaved: ${order.join(' ')}`);
  t.is(rb.status, 'succeeded', rb.error ?? '');
  if (ra.status === 'failed') t.regex(ra.error!, /superseded/);
  t.is((await bed.app(app.id)).currentReleaseId, b.id);
  t.is(await fetchText((await bed.backends(app))[0]), 'b');
});

/**
 * Issue 17, part 1, in the deploy: the processes a deploy adds (the first
 * deploy's web=1) start within the team's quotas. Past them, the deploy fails
 * with the quota's message before anything starts (not even the release
 * phase), is not retried, and leaves no formation row; within them it
 * deploys. Real engine, database and queues (the deploy bed).
 */
import test from 'ava';
import { LABELS, type App } from '../../../platform/types.js';
import { upsertFormation } from '../../../platform/store/formation.js';
import { NO_LIMITS, putQuota } from '../../../platform/store/quotas.js';
import { listFormation } from '../../../platform/store/formation.js';
import { startBed, deployed, WEB, type Bed } from './harness.js';

let bed: Bed;
let app: App;
test.before(async () => {
  bed = await startBed('dquota');
  app = await bed.newApp('quoted');
  const other = await bed.newApp('quoted-other');
  await upsertFormation(bed.deps.db, other.id, [{ type: 'worker', quantity: 1, plan: 'test', memoryBytes: 64 << 20 }]); // the team runs 1 process
});
test.after.always(async () => { await bed?.close(); });

test.serial('a first deploy past the processes quota fails with the message before the release phase; nothing starts', async (t) => {
  await putQuota(bed.deps.db, app.teamId, { ...NO_LIMITS, processes: 1 });
  const build = await bed.newBuild(app, { web: WEB, release: 'echo migrating' });
  const release = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(release.status, 'failed');
  t.is(release.error, `quota exceeded: team ${app.teamName} may run 1 process; it runs 1 and this deploy of v1 asks for 1 more`);
  const lines = bed.events.filter((e) => e.kind === 'deploy' && e.releaseId === release.id).map((e) => (e as { line: string }).line);
  t.false(lines.some((l) => l.startsWith('Running release command')), lines.join('\n'));
  t.deepEqual(await listFormation(bed.deps.db, app.id), [], 'no formation row left');
  t.deepEqual(await bed.te.engine.listContainers({ all: true, label: [`${LABELS.appId}=${app.id}`] }), []);
  t.is(await bed.deps.jobs.deployState(release.id), 'completed', 'recorded, not retried');
});

test.serial('within the quota the same app deploys', async (t) => {
  await putQuota(bed.deps.db, app.teamId, { ...NO_LIMITS, processes: 2 });
  const build = await bed.newBuild(app, { web: WEB });
  const release = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build }, null));
  t.is(release.status, 'succeeded', release.error ?? '');
  t.deepEqual((await listFormation(bed.deps.db, app.id)).map((r) => `${r.type}=${r.quantity}`), ['web=1']);
  t.is((await bed.backends(await bed.app(app.id))).length, 1);
});

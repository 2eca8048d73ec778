/**
 * runBuildJob against a real database, engine, event bus and deployer:
 * success records the build and makes release vN (announced by build-done
 * with its id); failure records the reason; the job is idempotent (ended
 * builds are left alone, a succeeded build without a release gets one, a
 * build left running by a crash is built again); the source tar is removed.
 */
import test from 'ava';
import { access, readFile } from 'node:fs/promises';
import { runBuildJob } from '../../../platform/builds/job.js';
import { buildLogPath, sourcePath } from '../../../platform/builds/log.js';
import { insertApp } from '../../../platform/store/apps.js';
import { getBuild, insertBuild, markBuildRunning, markBuildSucceeded } from '../../../platform/store/builds.js';
import type { App, PlatformEvent } from '../../../platform/types.js';
import { startBuildWorld, type BuildWorld } from './world.js';
import { sourceTar } from './sources.js';

let world: BuildWorld;

test.before(async () => { world = await startBuildWorld('buildjob'); });
test.after.always(async () => { await world?.cleanup(); });

const WEB = {
  Dockerfile: 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]\n',
  'index.html': 'ok\n',
  Procfile: 'web: exec httpd -f -p $PORT -h /www\nrelease: echo migrated\n',
};

/** A pending build of `files` for `app`, its source tar in place. */
async function pendingBuild(app: App, files: Record<string, string>) {
  const tmp = `${world.base}/tmp-${Math.random().toString(16).slice(2)}.tar`;
  const commit = await sourceTar(files, tmp);
  const build = await insertBuild(world.db, app.id, world.a.userId, commit);
  await sourceTar(files, sourcePath(world.deps.config.dataDir, build.id));
  return build;
}

function events(app: App): PlatformEvent[] {
  const seen: PlatformEvent[] = [];
  world.deps.events.subscribe(app.id, (e) => seen.push(e));
  return seen;
}

async function releasesOf(app: App) {
  return (await world.db.query<{ id: string; version: number; image: string; process_types: Record<string, string>; build_id: string; user_id: string }>(
    'SELECT id, version, image, process_types, build_id, user_id FROM releases WHERE app_id = $1 ORDER BY version', [app.id])).rows;
}

test('a successful build is recorded and becomes a release; running it again changes nothing', async (t) => {
  const app = await insertApp(world.db, 'buildjob-ok', world.a.teamId);
  const seen = events(app);
  const build = await pendingBuild(app, WEB);
  await runBuildJob(world.deps, build.id);
  const row = await getBuild(world.db, build.id);
  t.like(row, { status: 'succeeded', builder: 'dockerfile', error: null });
  t.deepEqual(row.processTypes, { web: 'exec httpd -f -p $PORT -h /www', release: 'echo migrated' });
  const [v1, ...more] = await releasesOf(app);
  t.deepEqual(more, []);
  t.like(v1, { version: 1, image: row.image, build_id: build.id, user_id: world.a.userId });
  t.deepEqual(v1.process_types, row.processTypes);
  t.deepEqual(seen.find((e) => e.kind === 'build-done'), { kind: 'build-done', appId: app.id, buildId: build.id, status: 'succeeded', releaseId: v1.id });
  const lines = seen.flatMap((e) => (e.kind === 'build' ? [e.line] : []));
  t.deepEqual((await readFile(buildLogPath(world.deps.config.dataDir, build.id), 'utf8')).trimEnd().split('\n'), lines);
  await t.throwsAsync(access(sourcePath(world.deps.config.dataDir, build.id)));
  const deployed = await world.deps.deployer.waitForRelease(v1.id);
  t.is(deployed.status, 'succeeded', deployed.error ?? '');
  await runBuildJob(world.deps, build.id);
  t.is((await releasesOf(app)).length, 1, 'no second release for the same build');
});

test('a failing build is recorded as failed with the reason; running it again does nothing', async (t) => {
  const app = await insertApp(world.db, 'buildjob-bad', world.a.teamId);
  const seen = events(app);
  const build = await pendingBuild(app, { Dockerfile: 'FROM busybox:latest\nRUN echo nope && exit 9\n' });
  await runBuildJob(world.deps, build.id);
  const row = await getBuild(world.db, build.id);
  t.is(row.status, 'failed');
  t.regex(row.error ?? '', /non-zero code: 9/);
  t.like(seen.find((e) => e.kind === 'build-done'), { status: 'failed', error: row.error ?? undefined });
  const log = await readFile(buildLogPath(world.deps.config.dataDir, build.id), 'utf8');
  t.regex(log, /nope\n/);
  await runBuildJob(world.deps, build.id);
  t.is(await readFile(buildLogPath(world.deps.config.dataDir, build.id), 'utf8'), log);
  t.deepEqual(await releasesOf(app), []);
  await t.throwsAsync(access(sourcePath(world.deps.config.dataDir, build.id)));
});

test('a build left running by a crash is built again', async (t) => {
  const app = await insertApp(world.db, 'buildjob-crash', world.a.teamId);
  const build = await pendingBuild(app, { ...WEB, Procfile: 'web: exec httpd -f -p $PORT -h /www\n' });
  t.true(await markBuildRunning(world.db, build.id));
  await runBuildJob(world.deps, build.id);
  t.is((await getBuild(world.db, build.id)).status, 'succeeded');
  t.regex(await readFile(buildLogPath(world.deps.config.dataDir, build.id), 'utf8'), /Building again: the previous attempt was interrupted/);
  const [v1] = await releasesOf(app);
  t.is((await world.deps.deployer.waitForRelease(v1.id)).status, 'succeeded');
});

test('a succeeded build whose release was never made (crash in between) gets it on the next run', async (t) => {
  const app = await insertApp(world.db, 'buildjob-norel', world.a.teamId);
  const build = await pendingBuild(app, { ...WEB, Procfile: 'web: exec httpd -f -p $PORT -h /www\n' });
  const out = await world.deps.builder.build(
    { app, buildId: build.id, sourcePath: sourcePath(world.deps.config.dataDir, build.id), env: {} }, () => undefined);
  await markBuildSucceeded(world.db, build.id, out);
  await runBuildJob(world.deps, build.id);
  const [v1, ...more] = await releasesOf(app);
  t.deepEqual(more, []);
  t.like(v1, { version: 1, image: out.image, build_id: build.id });
  t.is((await world.deps.deployer.waitForRelease(v1.id)).status, 'succeeded');
});

/**
 * The build job's body (run by the `build` queue's worker): build the
 * source, record the result, make the release. Idempotent:
 *   - a failed build stays failed;
 *   - a succeeded build only gets its release made if it has none yet (a
 *     crash between the two);
 *   - a running build (the daemon died during it) is built again.
 * Every line goes to the build log (builds/log.ts); the end is published as
 * `build-done` (with the release id on success). A failing build is a
 * result, not a job error: the job only throws when the release could not
 * be made, so the queue retries that.
 */
import { rm } from 'node:fs/promises';
import { TspaasError } from '../../lib/errors.js';
import { loadCaller } from '../auth/callers.js';
import { buildRegistryAuth } from '../control/registry-logins.js';
import { getAppById } from '../store/apps.js';
import { getBuild, latestReleaseConfig, markBuildFailed, markBuildRunning, markBuildSucceeded, releaseOfBuild } from '../store/builds.js';
import type { App, Build, Caller, PlatformDeps } from '../types.js';
import { openBuildLog, sourcePath } from './log.js';

/** Build `buildId` (its source tar waits at sourcePath), then create its release; see the file comment. */
export async function runBuildJob(deps: PlatformDeps, buildId: string): Promise<void> {
  const build = await getBuild(deps.db, buildId);
  if (build.status === 'failed') return;
  const app = await getAppById(deps.db, build.appId);
  if (!app) {
    await markBuildFailed(deps.db, buildId, 'the app was destroyed');
    await rm(sourcePath(deps.config.dataDir, buildId), { force: true });
    return;
  }
  if (build.status === 'succeeded') {
    if ((await releaseOfBuild(deps.db, buildId)) === null) await releaseBuild(deps, app, build);
    return;
  }
  const built = await buildSource(deps, app, build);
  if (built) await releaseBuild(deps, app, built);
}

/** Run the Builder; returns the succeeded build, or null after recording the failure. */
async function buildSource(deps: PlatformDeps, app: App, build: Build): Promise<Build | null> {
  const log = openBuildLog(deps.config.dataDir, deps.events, app.id, build.id);
  const source = sourcePath(deps.config.dataDir, build.id);
  if (build.status === 'running') log('-----> Building again: the previous attempt was interrupted');
  if (!(await markBuildRunning(deps.db, build.id))) return null;
  try {
    const env = await latestReleaseConfig(deps.db, app.id);
    const registryAuth = await buildRegistryAuth(deps.db, app); // issue 14 part R: the team's and app's registry logins
    const out = await deps.builder.build({ app, buildId: build.id, sourcePath: source, env, registryAuth }, log);
    log(`-----> Built ${out.image} (${out.builder})`);
    return await markBuildSucceeded(deps.db, build.id, out);
  } catch (err) {
    const reason = failureReason(deps, err, build.id);
    log(` !     ${reason}`);
    await markBuildFailed(deps.db, build.id, reason);
    deps.events.publish({ kind: 'build-done', appId: app.id, buildId: build.id, status: 'failed', error: reason });
    return null;
  } finally {
    await rm(source, { force: true });
  }
}

/** Create the release of a succeeded build (which enqueues its deploy) and announce it. */
async function releaseBuild(deps: PlatformDeps, app: App, build: Build): Promise<void> {
  const caller = await callerOf(deps, build.userId);
  try {
    const release = await deps.deployer.createRelease(app, { kind: 'build', build }, caller);
    openBuildLog(deps.config.dataDir, deps.events, app.id, build.id)(`-----> Release v${release.version} created`);
    deps.events.publish({ kind: 'build-done', appId: app.id, buildId: build.id, status: 'succeeded', releaseId: release.id });
  } catch (err) {
    const reason = `the build succeeded but its release could not be made: ${failureReason(deps, err, build.id)}`;
    deps.events.publish({ kind: 'build-done', appId: app.id, buildId: build.id, status: 'failed', error: reason });
    throw err;
  }
}

async function callerOf(deps: PlatformDeps, userId: string | null): Promise<Caller | null> {
  if (userId === null) return null;
  return loadCaller(deps.db, userId).catch(() => null);
}

/** The message a pusher sees: a tspaas error's own, else a generic one (details go to the daemon's log). */
function failureReason(deps: PlatformDeps, err: unknown, buildId: string): string {
  if (err instanceof TspaasError && err.kind !== 'Internal') return err.message;
  deps.log.error({ err, buildId }, 'build failed with an internal error');
  return 'internal error while building (see the tspaasd log)';
}

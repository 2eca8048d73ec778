/**
 * Erasing a destroyed app: the body of its erase job (jobs/, `erase:<appId>`).
 * `destroyApp` (apps.ts) only marks the app as being destroyed and takes it
 * out of the router; this removes everything else it had, as an ordered list
 * of steps, each idempotent, so a job cut short (a crash, a step that failed)
 * is run again from the top until a pass finds nothing left:
 *
 *   builds       builds that have not ended are failed; one whose job still
 *                runs is waited for (`Unavailable`: the job is retried later)
 *   processes    under the app's deploy lock (no deploy, reconcile or crash
 *                restart of it runs meanwhile): containers, network, the log
 *                archive (Scheduler.removeApp)
 *   images       every image of the app, its Dockerfile build cache with the
 *                intermediate images, its buildpack cache (Builder.erase)
 *   repository   the bare git repository
 *   files        build sources, build logs, deploy logs
 *   rows         the app's rows (builds, releases, formation, processes cascade)
 *
 * The name stays taken (the row, marked) until the last step, so a new app
 * of the same name never finds anything of the old one.
 */
import { promises as fsp } from 'node:fs';
import { unavailable } from '../../lib/errors.js';
import { buildLogPath, sourcePath } from '../builds/log.js';
import { withAppLock } from '../deploy/index.js';
import { releaseLogPath } from '../deploy/release-log.js';
import { repoPath } from '../git/repos.js';
import { appRecordIds, deleteApp, getDestroyingApp } from '../store/apps.js';
import { listUnfinishedBuilds, markBuildFailed } from '../store/builds.js';
import type { App, PlatformDeps } from '../types.js';

type Deps = Pick<PlatformDeps, 'db' | 'config' | 'jobs' | 'scheduler' | 'builder' | 'log'>;

interface EraseStep {
  name: string;
  run(deps: Deps, app: App): Promise<void>;
}

/** The steps of an erase, in order. */
export const ERASE_STEPS: readonly EraseStep[] = [
  { name: 'builds', run: endBuilds },
  { name: 'processes', run: (deps, app) => withAppLock(deps.db, app.id, () => deps.scheduler.removeApp(app)) },
  { name: 'images', run: (deps, app) => deps.builder.erase(app) },
  { name: 'repository', run: (deps, app) => fsp.rm(repoPath(deps.config.dataDir, app.name), { recursive: true, force: true }) },
  { name: 'files', run: removeFiles },
  { name: 'rows', run: (deps, app) => deleteApp(deps.db, app.id) },
];

/** The erase job's body: every step in order for the app being destroyed; nothing when it is gone already. */
export async function eraseApp(deps: Deps, appId: string): Promise<void> {
  const app = await getDestroyingApp(deps.db, appId);
  if (!app) return;
  for (const step of ERASE_STEPS) {
    deps.log.debug({ app: app.name, step: step.name }, 'erasing');
    await step.run(deps, app);
  }
  deps.log.info({ app: app.name, appId }, 'app erased');
}

/** Fail the builds that will not run (their job is gone or will see the app gone); wait for one still building. */
async function endBuilds(deps: Deps, app: App): Promise<void> {
  for (const build of await listUnfinishedBuilds(deps.db, app.id)) {
    if ((await deps.jobs.buildState(build.id)) === 'active') throw unavailable(`build ${build.id} of ${app.name} is still running`);
    await markBuildFailed(deps.db, build.id, 'the app was destroyed');
  }
}

/** Build sources and logs, deploy logs. */
async function removeFiles(deps: Deps, app: App): Promise<void> {
  const { builds, releases } = await appRecordIds(deps.db, app.id);
  const files = [
    ...builds.flatMap((id) => [sourcePath(deps.config.dataDir, id), buildLogPath(deps.config.dataDir, id)]),
    ...releases.map((id) => releaseLogPath(deps.config.dataDir, id)),
  ];
  for (const file of files) await fsp.rm(file, { force: true });
}

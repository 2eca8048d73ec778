/**
 * The Deployer (types.ts): releases → running processes. Deploys, reconciles,
 * restarts and crash restarts of one app take the app's deploy lock
 * (`deploy:<appId>`, a PostgreSQL advisory lock), so they never interleave,
 * whichever daemon process or job runs them.
 */
import { invalid, notFound } from '../../lib/errors.js';
import { admit } from '../control/quotas.js';
import { getAppById } from '../store/apps.js';
import { listFormation, upsertFormation } from '../store/formation.js';
import { currentOrLatestRelease, currentRelease, getRelease, insertRelease, latestRelease, lockApp, setReleaseStatus } from '../store/releases.js';
import type { App, Deployer, FormationEntry, PlatformDeps, ProcessSize, Release } from '../types.js';
import { CrashWatcher, DEFAULT_BACKOFF, type CrashBackoff } from './crashes.js';
import { desiredFormation, processTypesOf } from './formation.js';
import { isAppFault, runDeploy } from './pipeline.js';
import { reconcileApp } from './reconcile.js';
import { ReleaseLog } from './release-log.js';
import { nextRelease } from './release-change.js';
import { restartProcesses, restartTargets } from './restart.js';
import { waitForRelease } from './wait.js';

export interface DeployerOptions {
  crashBackoff?: Partial<CrashBackoff>;
}

/** Run `fn` holding the app's deploy lock: deploys, reconciles, crash restarts and an erase of the app run one at a time. */
export function withAppLock<T>(db: PlatformDeps['db'], appId: string, fn: () => Promise<T>): Promise<T> {
  return db.withLock(`deploy:${appId}`, fn);
}

/** The deployer over `deps` (read at call time, so parts.ts may fill deps.jobs in later). Starts watching for crashes. */
export function createDeployer(deps: PlatformDeps, opts: DeployerOptions = {}): Deployer {
  const releaseLog = new ReleaseLog(deps.config.dataDir, deps.events);
  const appLock = <T>(appId: string, fn: () => Promise<T>) => withAppLock(deps.db, appId, fn);
  const crashes = new CrashWatcher(deps, appLock, { ...DEFAULT_BACKOFF, ...opts.crashBackoff });

  return {
    async createRelease(app, change, caller, alongside) {
      const release = await deps.db.transaction(async (q) => {
        await lockApp(q, app.id);
        const made = await insertRelease(q, nextRelease(app.id, await latestRelease(q, app.id), change, caller?.user.id ?? null));
        await alongside?.(q, made);
        return made;
      });
      if (release.image) await deps.jobs.enqueueDeploy(release.id);
      return release;
    },

    async deployRelease(releaseId, attempt = { lastAttempt: true }) {
      const { appId } = await getRelease(deps.db, releaseId);
      await appLock(appId, () => deployLocked(deps, releaseLog, releaseId, attempt.lastAttempt));
    },

    reconcileApp: (appId, types) => appLock(appId, () => reconcileApp(deps, appId, types)),

    async scale(app, changes, _caller, alongside) {
      const { entries, changed, asked } = await planScale(deps, app, changes);
      // Issue 17, part 1: within the team's quotas, refused before the formation changes (control/quotas.ts).
      const quota = { teamId: app.teamId, what: 'scale', plans: deps.config.plans, asked };
      await deps.db.transaction((q) => admit(q, quota, ['processes', 'memoryBytes', 'cpus'], async () => {
        await upsertFormation(q, app.id, entries.filter((e) => changed.includes(e.type)));
        await alongside?.(q, entries);
      }));
      // The reconcile job starts and stops processes, and rolls those of a new size.
      if (changed.length) await deps.jobs.enqueueReconcile(app.id, changed);
      return entries;
    },

    async restart(app, target, _caller) {
      await restartTargets(deps, app, target);
      await appLock(app.id, async () => {
        const { release, procs } = await restartTargets(deps, app, target);
        await restartProcesses(deps, app, release, procs, (line) => deps.log.info({ app: app.name }, line));
      });
    },

    waitForRelease: (releaseId, onEvent, signal) => waitForRelease(deps, releaseLog, releaseId, onEvent, signal),

    async abandonRelease(releaseId, reason) {
      const release = await getRelease(deps.db, releaseId);
      if (release.status !== 'pending' && release.status !== 'deploying') return;
      await appLock(release.appId, async () => {
        const now = await getRelease(deps.db, releaseId);
        if (now.status === 'pending' || now.status === 'deploying') await fail(deps, releaseLog, now, reason);
      });
    },

    async close() { crashes.close(); },
  };
}

/** The deploy of one release, under the app's lock: skipped when it already ended or a newer release serves. */
async function deployLocked(deps: PlatformDeps, log: ReleaseLog, releaseId: string, lastAttempt: boolean): Promise<void> {
  const release = await getRelease(deps.db, releaseId);
  if (release.status === 'succeeded' || release.status === 'failed' || !release.image) return;
  const app = await getAppById(deps.db, release.appId);
  if (!app) throw notFound('app not found');
  const say = (line: string) => log.say(app.id, release.id, line);
  const current = await currentRelease(deps.db, app.id);
  if (current && current.version > release.version) return fail(deps, log, release, `superseded by v${current.version}`);
  say(`Deploying v${release.version} (${release.description})`);
  try {
    const live = () => { say(`v${release.version} is live`); log.done(app.id, release.id, 'succeeded'); };
    await runDeploy({ deps, app, release, say, formation: [], fresh: [], old: [], switched: false, live });
  } catch (err) {
    if (!isAppFault(err) && !lastAttempt) {
      say(`Deploy interrupted (${(err as Error).message}); it will be retried`);
      throw err;
    }
    return fail(deps, log, release, isAppFault(err) ? (err as Error).message : `deploy failed: ${(err as Error).message}`);
  }
}

async function fail(deps: PlatformDeps, log: ReleaseLog, release: Release, reason: string): Promise<void> {
  await setReleaseStatus(deps.db, release.id, 'failed', reason);
  log.say(release.appId, release.id, `Deploy of v${release.version} failed: ${reason}`);
  log.done(release.appId, release.id, 'failed', reason);
}

/**
 * The formation after `changes` (validated against the current, else latest, release), the types that change,
 * and the plans asked for (of a size given, or of a type scaled up) for the team's plans quota.
 */
async function planScale(deps: PlatformDeps, app: App, changes: Array<{ type: string; quantity?: number; size?: ProcessSize }>):
  Promise<{ entries: FormationEntry[]; changed: string[]; asked: string[] }> {
  const release = await currentOrLatestRelease(deps.db, app.id);
  if (!release || !release.image) throw invalid(`${app.name} has no process types yet: push it first`);
  const known = processTypesOf(release);
  const unknown = changes.filter((c) => !known.includes(c.type)).map((c) => c.type);
  if (unknown.length) throw notFound(`no process type ${unknown.join(', ')} (this app has ${known.join(', ')})`);
  const entries = desiredFormation(release, await listFormation(deps.db, app.id), deps.config.plans);
  const changed: string[] = [];
  const asked: string[] = [];
  for (const c of changes) {
    if (c.quantity !== undefined && (!Number.isInteger(c.quantity) || c.quantity < 0 || c.quantity > 100)) throw invalid(`quantity of ${c.type} must be 0-100`);
    if (c.size !== undefined && (!Number.isInteger(c.size.memoryBytes) || c.size.memoryBytes < 4 * 1024 ** 2)) throw invalid(`memory of ${c.type} must be at least 4M`);
    const e = entries.find((x) => x.type === c.type)!;
    const next = { type: c.type, quantity: c.quantity ?? e.quantity, plan: c.size?.plan ?? e.plan, memoryBytes: c.size?.memoryBytes ?? e.memoryBytes };
    if (next.quantity !== e.quantity || next.memoryBytes !== e.memoryBytes || next.plan !== e.plan) changed.push(c.type);
    if (next.quantity > 0 && (c.size !== undefined || next.quantity > e.quantity)) asked.push(next.plan);
    Object.assign(e, next);
  }
  return { entries, changed: [...new Set(changed)], asked };
}


/**
 * Reconcile: bring an app's running processes in line with the formation of
 * its current release — after a scale (only the changed types), a new size,
 * a crash, a host reboot (engine state gone) or an interrupted deploy. Broken
 * and surplus processes stop, missing ones start, and running ones of the
 * wrong size are replaced by a rolling restart (new ones first, as
 * `ps:restart`). The caller holds the app's deploy lock.
 */
import type { Logger } from 'pino';
import { isKind } from '../../lib/errors.js';
import { getAppById } from '../store/apps.js';
import { listFormation } from '../store/formation.js';
import { currentRelease } from '../store/releases.js';
import { deleteProcesses, listProcessRecords, recordProcess } from '../store/processes.js';
import { setBackends } from '../routing/backends.js';
import type { App, FormationEntry, PlatformDeps, ProcessInfo, Release } from '../types.js';
import { desiredFormation } from './formation.js';
import { mapLimit } from '../../lib/parallel.js';
import { sleep } from './health.js';
import { backendsOf, commitRoutes, PARALLEL, startChecked, stopProcesses, type ProcessSlot } from './processes.js';
import { restartProcesses } from './restart.js';

/** Reconcile `appId` (only `types` when given). */
export async function reconcileApp(deps: PlatformDeps, appId: string, types?: string[]): Promise<void> {
  const app = await getAppById(deps.db, appId);
  if (!app) return;
  const log = deps.log.child({ app: app.name });
  const release = await currentRelease(deps.db, app.id);
  const all = await deps.scheduler.listProcesses(app);
  const leftovers = all.filter((p) => !release || p.releaseVersion !== release.version);
  if (leftovers.length) {
    log.info({ processes: leftovers.map((p) => `${p.name} v${p.releaseVersion}`) }, 'removing processes of other releases');
    await stopProcesses(deps, leftovers);
  }
  if (!release) return;
  const formation = desiredFormation(release, await listFormation(deps.db, app.id), deps.config.plans)
    .filter((f) => !types || types.includes(f.type));
  const mine = all.filter((p) => p.releaseVersion === release.version);
  const plan = formation.map((f) => planType(f, mine.filter((p) => p.type === f.type)));
  await withdraw(deps, app, mine, plan.flatMap((p) => p.stop), log);
  await stopProcesses(deps, plan.flatMap((p) => p.stop));
  await startAll(deps, app, release, plan.flatMap((p) => p.start), log);
  await resize(deps, app, release, plan.flatMap((p) => p.resize), log);
  await syncRecords(deps, app, release);
}

/**
 * What to do for one type: broken ones are replaced, extras (highest first)
 * go, missing indexes start, kept ones of another size (memory or plan) are resized.
 */
export function planType(f: FormationEntry, procs: ProcessInfo[]): { stop: ProcessInfo[]; start: ProcessSlot[]; resize: ProcessInfo[] } {
  const broken = procs.filter((p) => p.state !== 'up');
  const extras = procs.filter((p) => p.state === 'up' && p.index > f.quantity).sort((a, b) => b.index - a.index);
  const kept = procs.filter((p) => p.state === 'up' && p.index <= f.quantity);
  const running = new Set(kept.map((p) => p.index));
  const start: ProcessSlot[] = [];
  for (let i = 1; i <= f.quantity; i++) {
    if (running.has(i)) continue;
    const dead = broken.find((p) => p.index === i);
    start.push({ type: f.type, index: i, plan: f.plan, memoryBytes: f.memoryBytes, restarts: dead ? dead.restarts + 1 : 0 });
  }
  return { stop: [...broken, ...extras], start, resize: kept.filter((p) => p.memoryBytes !== f.memoryBytes || p.plan !== f.plan) };
}

/** Start the slots; a process that fails its check is logged (the app's fault), anything else fails the job. */
async function startAll(deps: PlatformDeps, app: App, release: Release, slots: ProcessSlot[], log: Logger): Promise<void> {
  const say = (line: string) => log.info(line);
  await mapLimit(slots, PARALLEL, async (slot) => {
    await startChecked(deps, app, release, slot, say).catch((err: unknown) => {
      if (!isKind(err, 'Invalid')) throw err;
      log.warn({ err }, `${slot.type}.${slot.index} did not come up`);
    });
  }, { afterFailure: 'finish' });
}

/**
 * Web processes about to stop while up (a scale down) leave the routes first:
 * once every router serves the rest, they drain, so no request is cut.
 */
async function withdraw(deps: PlatformDeps, app: App, mine: ProcessInfo[], stopping: ProcessInfo[], log: Logger): Promise<void> {
  const leaving = new Set(stopping.filter((p) => p.type === 'web' && p.state === 'up').map((p) => p.containerId));
  if (leaving.size === 0) return;
  const staying = mine.filter((p) => p.type === 'web' && p.state === 'up' && !leaving.has(p.containerId));
  await commitRoutes(deps, (q) => setBackends(q, app.name, backendsOf(staying)), (line) => log.warn(line));
  await sleep(deps.config.deploy.drainMs);
}

/**
 * Rolling restart of `procs` at the formation's size. A replacement that does
 * not come up (too little memory for the app, say) is the app's fault: logged,
 * and the old processes keep running at their old size until the next
 * reconcile tries again.
 */
async function resize(deps: PlatformDeps, app: App, release: Release, procs: ProcessInfo[], log: Logger): Promise<void> {
  if (!procs.length) return;
  log.info({ processes: procs.map((p) => p.name) }, 'resizing');
  await restartProcesses(deps, app, release, procs, (line) => log.info(line)).catch((err: unknown) => {
    if (!isKind(err, 'Invalid')) throw err;
    log.warn({ err }, 'resize failed; the processes keep their old size');
  });
}

/** Backends = the running web processes of the current release; the processes table = what runs. */
async function syncRecords(deps: PlatformDeps, app: App, release: Release): Promise<void> {
  const running = (await deps.scheduler.listProcesses(app)).filter((p) => p.releaseVersion === release.version);
  const records = await listProcessRecords(deps.db, app.id);
  const ids = new Set(running.map((p) => p.containerId));
  await deleteProcesses(deps.db, records.filter((r) => !ids.has(r.containerId)).map((r) => r.containerId));
  const known = new Map(records.map((r) => [r.containerId, r]));
  for (const p of running) {
    const state = p.state === 'up' ? 'up' : p.state;
    if (known.get(p.containerId)?.state !== state) await recordProcess(deps.db, app.id, release.id, p, state);
  }
  const web = backendsOf(running.filter((p) => p.state === 'up'));
  await deps.db.transaction((q) => setBackends(q, app.name, web));
}

/**
 * The deploy of one release as an ordered list of small named steps
 * (STYLE.md §7). Each step is idempotent: a deploy interrupted by a crash
 * runs again from the top and reuses the processes of this release that
 * still run. Until `switch routes`, a failure stops the new processes and
 * leaves the old release serving; after it, the release has succeeded and
 * later trouble is only logged.
 */
import { isKind } from '../../lib/errors.js';
import { setCurrentRelease, setReleaseStatus } from '../store/releases.js';
import { setProcessState } from '../store/processes.js';
import { setBackends } from '../routing/backends.js';
import type { App, FormationEntry, PlatformDeps, ProcessInfo, Release } from '../types.js';
import { addFormationRows, checkDeployQuota, deployFormation } from './quota.js';
import { initialScaleLines } from './initial-formation.js';
import { sleep } from './health.js';
import { mapLimit } from '../../lib/parallel.js';
import { backendsOf, commitRoutes, PARALLEL, processesByRelease, startChecked, stopProcesses, type ProcessSlot } from './processes.js';
import { runReleasePhase } from './release-phase.js';

/** One deploy under way. */
export interface DeployRun {
  deps: PlatformDeps;
  app: App;
  release: Release;
  say(line: string): void;
  formation: FormationEntry[];
  /** Processes of this release: reused or started, then checked. */
  fresh: ProcessInfo[];
  /** Processes of other releases, stopped after the switch. */
  old: ProcessInfo[];
  /** True once the routes point to this release (no way back). */
  switched: boolean;
  /** Called once the release is live (after the switch): watchers (the pusher, the CLI) are told it succeeded; drain and stop follow. */
  live(): void;
}

export interface DeployStep { name: string; run(r: DeployRun): Promise<void> }

/** The steps, in order. */
export const DEPLOY_STEPS: readonly DeployStep[] = [
  { name: 'mark deploying', run: (r) => setReleaseStatus(r.deps.db, r.release.id, 'deploying') },
  { name: 'check quotas', run: (r) => checkDeployQuota(r.deps, r.app, r.release) }, // issue 17 part 1: before the release phase starts a container
  { name: 'release phase', run: (r) => runReleasePhase(r.deps, r.app, r.release, r.say) },
  { name: 'plan formation', run: planFormation },
  { name: 'start processes', run: startProcesses },
  { name: 'switch routes', run: switchRoutes },
  { name: 'drain', run: drain },
  { name: 'stop old processes', run: stopOld },
];

/** Run the steps; on a failure before the switch, stop the new processes and rethrow. */
export async function runDeploy(r: DeployRun): Promise<void> {
  for (const step of DEPLOY_STEPS) {
    try {
      await step.run(r);
    } catch (err) {
      if (r.switched) {
        r.deps.log.warn({ err, step: step.name, release: r.release.id }, 'deploy step after the route switch failed');
        continue;
      }
      if (r.fresh.length) r.say(`Stopping the new v${r.release.version} processes`);
      await stopProcesses(r.deps, r.fresh).catch((e: unknown) => r.deps.log.error({ err: e }, 'cannot stop new processes'));
      throw err;
    }
  }
}

/** The release's formation (rows for new types are written), and what runs now. */
async function planFormation(r: DeployRun): Promise<void> {
  const { deps, app, release } = r;
  const { formation, added } = await deployFormation(deps, app, release);
  r.formation = formation;
  if (app.currentReleaseId === null) for (const line of initialScaleLines(release, added)) r.say(line); // issue 14 part P: the first formation, said
  await addFormationRows(deps, app, release, formation, added); // issue 17 part 1: within the team's quotas
  const { mine, others } = await processesByRelease(deps, app, release);
  r.old = others;
  const wanted = new Set(slotsOf(r.formation).map((s) => `${s.type}.${s.index}`));
  const keep = mine.filter((p) => p.state === 'up' && wanted.has(p.name));
  const stale = mine.filter((p) => !keep.includes(p));
  if (stale.length) await stopProcesses(deps, stale);
  r.fresh = keep;
  if (keep.length) r.say(`Reusing ${keep.map((p) => p.name).join(', ')} of v${release.version}`);
}

/** Start (and check) every process of the formation that does not run yet. */
async function startProcesses(r: DeployRun): Promise<void> {
  const have = new Set(r.fresh.map((p) => p.name));
  const todo = slotsOf(r.formation).filter((s) => !have.has(`${s.type}.${s.index}`));
  await mapLimit(todo, PARALLEL, async (slot) => {
    r.fresh.push(await startChecked(r.deps, r.app, r.release, slot, r.say));
  }, { afterFailure: 'finish' });
}

/** One transaction: backends = the new web processes, current release = this one, status succeeded. */
async function switchRoutes(r: DeployRun): Promise<void> {
  const { deps, app, release } = r;
  const web = backendsOf(r.fresh);
  r.say(web.length ? `Routing web to v${release.version} (${web.map((b) => `${b.address}:${b.port}`).join(', ')})` : `Making v${release.version} current`);
  // Live once every router serves the switch: from then on clients get the new release.
  await commitRoutes(deps, async (q) => {
    if (r.formation.some((f) => f.type === 'web') || r.old.some((p) => p.type === 'web')) await setBackends(q, app.name, web);
    await setCurrentRelease(q, app.id, release.id);
    await setReleaseStatus(q, release.id, 'succeeded');
    await setProcessState(q, r.old.map((p) => p.containerId), 'stopping');
  }, r.say, () => { r.switched = true; });
  r.live();
}

/** Old web processes finish the requests they have. */
async function drain(r: DeployRun): Promise<void> {
  if (r.old.some((p) => p.type === 'web' && p.state === 'up')) await sleep(r.deps.config.deploy.drainMs);
}

async function stopOld(r: DeployRun): Promise<void> {
  if (r.old.length === 0) return;
  const versions = [...new Set(r.old.map((p) => `v${p.releaseVersion}`))].join(', ');
  r.say(`Stopping ${versions} processes`);
  await stopProcesses(r.deps, r.old);
}

/** `type.index` slots of a formation, lowest indexes first. */
export function slotsOf(formation: FormationEntry[]): ProcessSlot[] {
  return formation.flatMap((f) => Array.from({ length: f.quantity }, (_, i) => ({ type: f.type, index: i + 1, plan: f.plan, memoryBytes: f.memoryBytes })));
}

/** Whether an error is the app's fault (a failed check or release phase, a team quota its formation would exceed): recorded, never retried. */
export function isAppFault(err: unknown): boolean {
  return isKind(err, 'Invalid') || isKind(err, 'Forbidden');
}

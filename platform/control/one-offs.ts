/**
 * One-offs users start (`tspaas run`, attached or detached), counted against
 * their team's processes, memory, CPU and plans quotas while they run
 * (issue 17, part 1; control/quotas.ts): a row in `one_off_runs` is written,
 * under the team's lock, before the container starts, and removed when it
 * ends or fails to start. The release phase is the platform's own one-off
 * and is not counted.
 */
import { defaultSize } from '../plans.js';
import { deleteOneOffRun, insertOneOffRun } from '../store/quotas.js';
import type { App, OneOff, OneOffOptions, PlatformDeps, Release } from '../types.js';
import { admit } from './quotas.js';

type Deps = Pick<PlatformDeps, 'db' | 'config' | 'scheduler' | 'log'>;

/** Start a one-off of `release` when the team's quotas allow it (Forbidden otherwise, before anything starts). */
export async function startOneOff(deps: Deps, app: App, release: Release, opts: OneOffOptions): Promise<OneOff> {
  const size = opts.size ?? defaultSize(deps.config.plans);
  const quota = { teamId: app.teamId, what: 'run', plans: deps.config.plans, asked: [size.plan] };
  const runId = await deps.db.transaction((q) => admit(q, quota, ['processes', 'memoryBytes', 'cpus'], () => insertOneOffRun(q, app.id, size)));
  const forget = () => deleteOneOffRun(deps.db, runId).catch((err: unknown) => {
    deps.log.error({ err, app: app.name, runId }, 'cannot forget an ended one-off: it counts against its team\'s quotas until tspaasd restarts');
  });
  let oneOff: OneOff;
  try {
    oneOff = await deps.scheduler.runOneOff(app, release, { ...opts, size });
  } catch (err) {
    await forget();
    throw err;
  }
  void oneOff.wait().then(forget, forget);
  return oneOff;
}

/**
 * Process operations the deploy, reconcile, restart and crash paths share:
 * start one process and check it, stop a set of processes, and read what
 * runs. Each keeps the `processes` table in step with the engine.
 */
import { invalid, isKind } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { transactionId, untilRoutersServe } from '../routing/live.js';
import { deleteProcesses, recordProcess, setProcessState } from '../store/processes.js';
import type { App, PlatformDeps, ProcessInfo, ProcessSize, Release } from '../types.js';
import { checkProcess } from './health.js';
import { mapLimit } from '../../lib/parallel.js';

/** Log lines of a failing process kept with the failure reason. */
export const FAILURE_LOG_LINES = 20;
/** Processes started or stopped at once. */
export const PARALLEL = 8;

/** How long a route change waits for the routers to say they serve it before the deploy goes on regardless. */
export const ROUTER_WAIT_MS = 10_000;

/**
 * Commit `write` (route-table rows, and whatever must land with them), call
 * `committed`, and resolve once every router serves the result — so backends
 * taken out get no new requests from then on. A router that does not confirm
 * within {@link ROUTER_WAIT_MS} (or a failure to ask) is said in a line and
 * the caller goes on: the change is committed either way.
 */
export async function commitRoutes(deps: PlatformDeps, write: (q: Queryable) => Promise<void>, say: (line: string) => void,
  committed: () => void = () => undefined): Promise<void> {
  const xid = await deps.db.transaction(async (q) => { await write(q); return transactionId(q); });
  committed();
  const served = await untilRoutersServe(deps.db, xid, ROUTER_WAIT_MS).catch((err: unknown) => {
    deps.log.warn({ err }, 'could not ask the routers whether they serve the new routes');
    return false;
  });
  if (!served) say(`A router did not confirm the new routes within ${ROUTER_WAIT_MS / 1000} s; going on`);
}

/** What to start: one `type.index` of a release. */
export interface ProcessSlot extends ProcessSize { type: string; index: number; restarts?: number }

/**
 * Start `slot` of `release`, record it, run its health check; resolves with
 * the process once it passed (state `up` in the table). When the check fails
 * the container is stopped and an `Invalid` carries the reason and its last
 * log lines.
 */
export async function startChecked(deps: PlatformDeps, app: App, release: Release, slot: ProcessSlot, say: (line: string) => void): Promise<ProcessInfo> {
  say(`Starting ${slot.type}.${slot.index}…`);
  const p = await deps.scheduler.startProcess(app, release, slot.type, slot.index, { plan: slot.plan, memoryBytes: slot.memoryBytes }, { restarts: slot.restarts ?? 0 });
  await recordProcess(deps.db, app.id, release.id, p, 'starting');
  try {
    say(await checkProcess(p, release, deps.config.deploy, () => isUp(deps, app, p.containerId)));
  } catch (err) {
    const reason = isKind(err, 'Invalid') ? await withLogs(deps, (err as Error).message, p) : err;
    await stopProcesses(deps, [p]).catch(() => undefined);
    throw reason;
  }
  await recordProcess(deps.db, app.id, release.id, p, 'up');
  return p;
}

/** An Invalid error: `reason` and the last log lines of `p`. */
export async function withLogs(deps: PlatformDeps, reason: string, p: Pick<ProcessInfo, 'name' | 'containerId'>): Promise<Error> {
  const lines = await deps.scheduler.tailLogs(p.containerId, FAILURE_LOG_LINES).catch(() => []);
  return invalid(lines.length ? `${reason}\n--- last log lines of ${p.name} ---\n${lines.join('\n')}` : reason);
}

/** Stop processes (SIGTERM, grace, SIGKILL; removed) and forget them; marked `stopping` first so their exit is no crash. */
export async function stopProcesses(deps: PlatformDeps, procs: Array<Pick<ProcessInfo, 'containerId'>>): Promise<void> {
  const ids = procs.map((p) => p.containerId);
  await setProcessState(deps.db, ids, 'stopping');
  await mapLimit(ids, PARALLEL * 2, (id) => deps.scheduler.stopProcess(id, deps.config.deploy.stopGraceSeconds), { afterFailure: 'finish' });
  await deleteProcesses(deps.db, ids);
}

/** Whether the container still runs. */
export async function isUp(deps: PlatformDeps, app: App, containerId: string): Promise<boolean> {
  const p = (await deps.scheduler.listProcesses(app)).find((x) => x.containerId === containerId);
  return p?.state === 'up';
}

/** The app's process containers split into those of `release` and the others. */
export async function processesByRelease(deps: PlatformDeps, app: App, release: Release): Promise<{ mine: ProcessInfo[]; others: ProcessInfo[] }> {
  const all = await deps.scheduler.listProcesses(app);
  return { mine: all.filter((p) => p.releaseVersion === release.version), others: all.filter((p) => p.releaseVersion !== release.version) };
}

/** Web backends of processes (those with an address). */
export function backendsOf(procs: ProcessInfo[]): Array<{ address: string; port: number }> {
  return procs.filter((p) => p.type === 'web' && p.address).map((p) => ({ address: p.address!, port: p.port ?? 0 }));
}

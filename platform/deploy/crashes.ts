/**
 * Crash restarts. An exit (the scheduler's exit feed) of a process the platform
 * counts as `up` or `crashed` (its row in `processes`, of the app's current
 * release) is a crash: the row turns `crashed`, its backend leaves the route
 * table at once, and a replacement `type.N` starts after a backoff (1 s
 * doubling to 60 s; back to 1 s once a process stayed up 2 min). Processes
 * the platform stops are marked `stopping` first, so their exit is no crash.
 *
 * A reconcile running when the process dies may record it first: as
 * `crashed` (it saw it dead) or, from a listing taken just before, `up` with
 * its backend. So the replacement, under the app's lock, takes the row in
 * either state and takes its backend out again; a reconcile that replaced
 * the process itself has removed the row, and the replacement is skipped.
 */
import { isKind } from '../../lib/errors.js';
import { getAppById } from '../store/apps.js';
import { listFormation } from '../store/formation.js';
import { currentRelease } from '../store/releases.js';
import { countRestart, getProcess, setProcessState, type ProcessRecord } from '../store/processes.js';
import { addBackend, removeBackend } from '../routing/backends.js';
import type { PlatformDeps, ProcessExit, ProcessState } from '../types.js';
import { desiredFormation } from './formation.js';
import { startChecked, stopProcesses } from './processes.js';

export interface CrashBackoff {
  firstDelayMs: number;
  maxDelayMs: number;
  /** A process up this long starts over at the first delay. */
  resetAfterMs: number;
}

/** Row states of a process whose exit is a crash. */
const CRASH_STATES: ProcessState[] = ['up', 'crashed'];

export const DEFAULT_BACKOFF: CrashBackoff = { firstDelayMs: 1000, maxDelayMs: 60_000, resetAfterMs: 120_000 };

/** Runs `fn` holding the app's deploy lock. */
export type AppLock = <T>(appId: string, fn: () => Promise<T>) => Promise<T>;

export class CrashWatcher {
  private readonly delays = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Containers whose replacement is scheduled. */
  private readonly pending = new Set<string>();
  private readonly unwatch: () => void;
  private closed = false;

  constructor(private readonly deps: PlatformDeps, private readonly lock: AppLock, private readonly backoff: CrashBackoff) {
    this.unwatch = deps.scheduler.watchExits((exit) => this.onExit(exit));
  }

  /** Stop listening; pending restarts are dropped (reconcile at the next start covers them). */
  close(): void {
    this.closed = true;
    this.unwatch();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** A one-off's exit is never a crash; a process's may be (onDie asks its row). */
  private onExit(exit: ProcessExit): void {
    if (exit.oneOff) return;
    this.onDie(exit.containerId).catch((err: unknown) => this.deps.log.error({ err, container: exit.containerId }, 'crash handling failed'));
  }

  private async onDie(containerId: string): Promise<void> {
    const row = await this.crashedRow(containerId);
    if (!row || this.pending.has(containerId)) return;
    const { db } = this.deps;
    if (row.state === 'up') {
      await setProcessState(db, [containerId], 'crashed');
      const app = (await getAppById(db, row.appId))!;
      if (row.type === 'web' && row.address && row.port) await removeBackend(db, app.name, { address: row.address, port: row.port });
      this.deps.events.publish({ kind: 'process', appId: app.id, name: `${row.type}.${row.index}`, state: 'crashed', containerId });
    }
    this.schedule(row, Date.now() - Date.parse(row.startedAt) > this.backoff.resetAfterMs);
  }

  /** The process's row when it counts as running (`up`, or `crashed` already) in its app's current release; else null. */
  private async crashedRow(containerId: string): Promise<ProcessRecord | null> {
    const row = await getProcess(this.deps.db, containerId);
    if (!row || !CRASH_STATES.includes(row.state)) return null;
    const app = await getAppById(this.deps.db, row.appId);
    return app?.currentReleaseId === row.releaseId ? row : null;
  }

  private schedule(row: ProcessRecord, reset: boolean): void {
    if (this.closed) return;
    const key = `${row.appId}/${row.type}.${row.index}`;
    const delay = reset || !this.delays.has(key) ? this.backoff.firstDelayMs : Math.min(this.delays.get(key)! * 2, this.backoff.maxDelayMs);
    this.delays.set(key, delay);
    this.deps.log.info({ appId: row.appId }, `${row.type}.${row.index} crashed; restarting in ${delay} ms`);
    this.pending.add(row.containerId);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending.delete(row.containerId);
      this.lock(row.appId, () => this.replace(row.containerId))
        .catch((err: unknown) => this.deps.log.error({ err, container: row.containerId }, 'crash restart failed'));
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Start the replacement of a crashed process (under the app's lock); on failure count it and try again later. */
  private async replace(containerId: string): Promise<void> {
    const row = await this.crashedRow(containerId);
    if (!row || this.closed) return;
    const { deps } = this;
    const app = (await getAppById(deps.db, row.appId))!;
    if (row.type === 'web' && row.address && row.port) await removeBackend(deps.db, app.name, { address: row.address, port: row.port });
    const release = (await currentRelease(deps.db, app.id))!;
    const f = desiredFormation(release, await listFormation(deps.db, app.id), deps.config.plans).find((x) => x.type === row.type);
    if (!f || row.index > f.quantity) return stopProcesses(deps, [row]);
    const slot = { type: row.type, index: row.index, plan: f.plan, memoryBytes: f.memoryBytes, restarts: row.restarts + 1 };
    try {
      const p = await startChecked(deps, app, release, slot, (line) => deps.log.info({ app: app.name }, line));
      if (p.type === 'web' && p.address) await addBackend(deps.db, app.name, { address: p.address, port: p.port ?? deps.config.deploy.port });
      await stopProcesses(deps, [row]);
      deps.events.publish({ kind: 'process', appId: app.id, name: p.name, state: 'up', containerId: p.containerId });
    } catch (err) {
      await countRestart(deps.db, containerId);
      if (!isKind(err, 'Invalid')) deps.log.error({ err }, 'crash restart failed');
      this.schedule({ ...row, restarts: row.restarts + 1 }, false);
    }
  }
}

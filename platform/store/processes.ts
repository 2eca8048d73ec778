/**
 * Processes: one row per container the platform started for an app, kept in
 * step by the deployer (start, health, crash, stop). `tspaas ps` may read the
 * engine's view (Scheduler.listProcesses); this table is the platform's own
 * record of what it meant to run, and of restarts across containers.
 */
import type { Queryable } from '../db/pool.js';
import type { ProcessInfo, ProcessState } from '../types.js';
import { iso } from './rows.js';

/** A row of `processes`. */
export interface ProcessRecord {
  containerId: string;
  appId: string;
  releaseId: string;
  type: string;
  index: number;
  state: ProcessState;
  address: string | null;
  port: number | null;
  restarts: number;
  startedAt: string;
}

interface ProcessRow {
  container_id: string; app_id: string; release_id: string; type: string; index: number; state: ProcessState;
  address: string | null; port: number | null; restarts: number; started_at: Date;
}

const toRecord = (r: ProcessRow): ProcessRecord => ({
  containerId: r.container_id, appId: r.app_id, releaseId: r.release_id, type: r.type, index: r.index, state: r.state,
  address: r.address, port: r.port, restarts: r.restarts, startedAt: iso(r.started_at),
});

/** Insert or update the row of a process the platform started. */
export async function recordProcess(q: Queryable, appId: string, releaseId: string, p: ProcessInfo, state: ProcessState): Promise<void> {
  await q.query(
    `INSERT INTO processes (container_id, app_id, release_id, type, index, state, address, port, restarts, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (container_id) DO UPDATE SET state = EXCLUDED.state, address = EXCLUDED.address, port = EXCLUDED.port,
       restarts = EXCLUDED.restarts, updated_at = now()`,
    [p.containerId, appId, releaseId, p.type, p.index, state, p.address, p.port, p.restarts, p.startedAt]);
}

/** Set the state of processes by container id. */
export async function setProcessState(q: Queryable, containerIds: string[], state: ProcessState): Promise<void> {
  if (containerIds.length === 0) return;
  await q.query('UPDATE processes SET state = $2, updated_at = now() WHERE container_id = ANY($1::text[])', [containerIds, state]);
}

/** Forget processes whose containers are gone. */
export async function deleteProcesses(q: Queryable, containerIds: string[]): Promise<void> {
  if (containerIds.length === 0) return;
  await q.query('DELETE FROM processes WHERE container_id = ANY($1::text[])', [containerIds]);
}

/** The row of one container, or null. */
export async function getProcess(q: Queryable, containerId: string): Promise<ProcessRecord | null> {
  const res = await q.query<ProcessRow>('SELECT * FROM processes WHERE container_id = $1', [containerId]);
  return res.rows.length === 0 ? null : toRecord(res.rows[0]);
}

/** Every row of the app, by type and index. */
export async function listProcessRecords(q: Queryable, appId: string): Promise<ProcessRecord[]> {
  const res = await q.query<ProcessRow>('SELECT * FROM processes WHERE app_id = $1 ORDER BY type, index', [appId]);
  return res.rows.map(toRecord);
}

/** One more restart of the process in this container (a replacement that failed to come up). */
export async function countRestart(q: Queryable, containerId: string): Promise<void> {
  await q.query('UPDATE processes SET restarts = restarts + 1, updated_at = now() WHERE container_id = $1', [containerId]);
}

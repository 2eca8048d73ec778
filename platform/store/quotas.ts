/**
 * Team quotas (migration 0010): the limits of each team, the counts they are
 * checked against, the one-offs running now, and the team row lock under
 * which a check and its change happen together (control/quotas.ts).
 */
import type { Queryable } from '../db/pool.js';
import type { ProcessSize, QuotaLimits } from '../types.js';
import { notFound } from '../../lib/errors.js';
import { translatePgError } from './rows.js';

interface QuotaRow {
  apps: number | null; processes: number | null; memory_bytes: string | null; cpus: string | null; plans: string[] | null;
  build_minutes: number | null; builds: number | null; disk_bytes: string | null; domains: number | null;
}

/** Every limit unlimited: a team without a row. */
export const NO_LIMITS: Readonly<QuotaLimits> = Object.freeze({
  apps: null, processes: null, memoryBytes: null, cpus: null, plans: null, buildMinutes: null, builds: null, diskBytes: null, domains: null,
});

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

const toLimits = (r: QuotaRow): QuotaLimits => ({
  apps: r.apps, processes: r.processes, memoryBytes: num(r.memory_bytes), cpus: num(r.cpus), plans: r.plans,
  buildMinutes: r.build_minutes, builds: r.builds, diskBytes: num(r.disk_bytes), domains: r.domains,
});

/** Hold the team's row until the transaction ends (quota checks of one team happen one at a time); returns its name. */
export async function lockTeamRow(q: Queryable, teamId: string): Promise<string> {
  const res = await q.query<{ name: string }>('SELECT name FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
  if (res.rows.length === 0) throw notFound('team not found');
  return res.rows[0].name;
}

/** The team's limits (all unlimited when it has no row). */
export async function getQuota(q: Queryable, teamId: string): Promise<QuotaLimits> {
  const res = await q.query<QuotaRow>('SELECT * FROM team_quotas WHERE team_id = $1', [teamId]);
  return res.rows.length === 0 ? { ...NO_LIMITS } : toLimits(res.rows[0]);
}

/** Replace the team's limits. */
export async function putQuota(q: Queryable, teamId: string, l: QuotaLimits): Promise<void> {
  await q.query(
    `INSERT INTO team_quotas (team_id, apps, processes, memory_bytes, cpus, plans, build_minutes, builds, disk_bytes, domains)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (team_id) DO UPDATE SET apps = $2, processes = $3, memory_bytes = $4, cpus = $5, plans = $6,
       build_minutes = $7, builds = $8, disk_bytes = $9, domains = $10, updated_at = now()`,
    [teamId, l.apps, l.processes, l.memoryBytes, l.cpus, l.plans, l.buildMinutes, l.builds, l.diskBytes, l.domains],
  ).catch((err: unknown) => translatePgError(err, { check: 'quota limits are numbers of at least 0' }));
}

/** The team's apps (those being destroyed left out). */
export async function countApps(q: Queryable, teamId: string): Promise<number> {
  const res = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM apps WHERE team_id = $1 AND destroying_at IS NULL', [teamId]);
  return res.rows[0].n;
}

/** Custom domains of the team's apps. */
export async function countDomains(q: Queryable, teamId: string): Promise<number> {
  const res = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM domains d JOIN apps a ON a.id = d.app_id WHERE a.team_id = $1', [teamId]);
  return res.rows[0].n;
}

/** Builds of the team's apps that are pending or running. */
export async function countUnfinishedBuilds(q: Queryable, teamId: string): Promise<number> {
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM builds b JOIN apps a ON a.id = b.app_id
      WHERE a.team_id = $1 AND b.status IN ('pending', 'running')`, [teamId]);
  return res.rows[0].n;
}

/**
 * Seconds the team's builds took today (UTC): each build from its start (or
 * midnight) to its end (or now, while it runs; a build that never ended
 * counts until now, so a stuck build is not free).
 */
export async function buildSecondsToday(q: Queryable, teamId: string): Promise<number> {
  const res = await q.query<{ s: string | null }>(
    `WITH day AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start)
     SELECT sum(extract(epoch FROM coalesce(b.finished_at, now()) - greatest(b.created_at, day.start))) AS s
       FROM builds b JOIN apps a ON a.id = b.app_id, day
      WHERE a.team_id = $1 AND coalesce(b.finished_at, now()) > day.start`, [teamId]);
  return Math.max(0, Number(res.rows[0].s ?? 0));
}

/** The sizes of the team's one-offs running now. */
export async function listOneOffRuns(q: Queryable, teamId: string): Promise<ProcessSize[]> {
  const res = await q.query<{ plan: string; memory_bytes: string }>(
    'SELECT r.plan, r.memory_bytes FROM one_off_runs r JOIN apps a ON a.id = r.app_id WHERE a.team_id = $1', [teamId]);
  return res.rows.map((r) => ({ plan: r.plan, memoryBytes: Number(r.memory_bytes) }));
}

/** Record a one-off of the app about to start; returns the row's id. */
export async function insertOneOffRun(q: Queryable, appId: string, size: ProcessSize): Promise<string> {
  const res = await q.query<{ id: string }>(
    'INSERT INTO one_off_runs (app_id, plan, memory_bytes) VALUES ($1, $2, $3) RETURNING id', [appId, size.plan, size.memoryBytes]);
  return res.rows[0].id;
}

/** The one-off ended (or never started). */
export async function deleteOneOffRun(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM one_off_runs WHERE id = $1', [id]);
}

/** Forget every one-off recorded by an earlier start of tspaasd. */
export async function clearOneOffRuns(q: Queryable): Promise<void> {
  await q.query('DELETE FROM one_off_runs');
}

/**
 * Apps, each owned by one team. Names are global (they are DNS labels of the
 * default domain), so a name another team holds is taken for everyone.
 * An app being destroyed (`destroying_at` set, see migration 0004) is left
 * out of every lookup but the erase job's own, and keeps its name taken.
 */
import type { Queryable } from '../db/pool.js';
import type { App } from '../types.js';
import { iso, translatePgError } from './rows.js';

interface AppRow { id: string; name: string; team_id: string; team_name: string; team_userns_host_id: string; current_release_id: string | null; created_at: Date }

const SELECT_APP = `
  SELECT a.id, a.name, a.team_id, t.name AS team_name, t.userns_host_id AS team_userns_host_id, a.current_release_id, a.created_at
    FROM apps a JOIN teams t ON t.id = a.team_id`;
const LIVE = 'a.destroying_at IS NULL';

const toApp = (r: AppRow): App => ({
  id: r.id, name: r.name, teamId: r.team_id, teamName: r.team_name, teamUsernsHostId: Number(r.team_userns_host_id), currentReleaseId: r.current_release_id, createdAt: iso(r.created_at),
});

/** Create an app of a team; Conflict "name is taken" whoever holds it. */
export async function insertApp(q: Queryable, name: string, teamId: string): Promise<App> {
  const res = await q.query<{ id: string }>('INSERT INTO apps (name, team_id) VALUES ($1, $2) RETURNING id', [name, teamId])
    .catch((err: unknown) => translatePgError(err, { unique: 'name is taken', check: 'app names are DNS labels: 2-30 of a-z, 0-9, -, starting with a letter' }));
  const app = await getAppById(q, res.rows[0].id);
  if (!app) throw new Error('app vanished after insert');
  return app;
}

/** The app called `name`, or null (no ownership check: see auth/ownership.ts). */
export async function getAppByName(q: Queryable, name: string): Promise<App | null> {
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE ${LIVE} AND a.name = $1`, [name]);
  return res.rows.length === 0 ? null : toApp(res.rows[0]);
}

/** The app with this id, or null. */
export async function getAppById(q: Queryable, id: string): Promise<App | null> {
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE ${LIVE} AND a.id = $1`, [id]);
  return res.rows.length === 0 ? null : toApp(res.rows[0]);
}

/** Apps by name; only those of the given teams unless `teamIds` is null (admins). */
export async function listApps(q: Queryable, teamIds: string[] | null): Promise<App[]> {
  const res = teamIds === null
    ? await q.query<AppRow>(`${SELECT_APP} WHERE ${LIVE} ORDER BY a.name`)
    : await q.query<AppRow>(`${SELECT_APP} WHERE ${LIVE} AND a.team_id = ANY($1::uuid[]) ORDER BY a.name`, [teamIds]);
  return res.rows.map(toApp);
}

/** Delete the app and (by cascade) its builds, releases, formation, processes, domains and certificates. */
export async function deleteApp(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM apps WHERE id = $1', [id]);
}

/** Mark the app as being destroyed: from now on it exists for nobody, and its name stays taken until `deleteApp`. */
export async function markAppDestroying(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE apps SET destroying_at = coalesce(destroying_at, now()) WHERE id = $1', [id]);
}

/** The app with this id while it is being destroyed, or null (live, or gone already). */
export async function getDestroyingApp(q: Queryable, id: string): Promise<App | null> {
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE a.destroying_at IS NOT NULL AND a.id = $1`, [id]);
  return res.rows.length === 0 ? null : toApp(res.rows[0]);
}

/** Every app being destroyed (their erase jobs are resumed at start). */
export async function listDestroyingApps(q: Queryable): Promise<App[]> {
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE a.destroying_at IS NOT NULL ORDER BY a.destroying_at`);
  return res.rows.map(toApp);
}

/** Names of the team's apps, those being destroyed marked so (what blocks deleting the team). */
export async function teamAppNames(q: Queryable, teamId: string): Promise<string[]> {
  const res = await q.query<{ name: string; destroying: boolean }>(
    'SELECT name, destroying_at IS NOT NULL AS destroying FROM apps WHERE team_id = $1 ORDER BY name', [teamId]);
  return res.rows.map((r) => (r.destroying ? `${r.name} (being destroyed)` : r.name));
}

/** IDs of the app's builds and releases (the names of their files on disk). */
export async function appRecordIds(q: Queryable, appId: string): Promise<{ builds: string[]; releases: string[] }> {
  const [builds, releases] = await Promise.all([
    q.query<{ id: string }>('SELECT id FROM builds WHERE app_id = $1', [appId]),
    q.query<{ id: string }>('SELECT id FROM releases WHERE app_id = $1', [appId]),
  ]);
  return { builds: builds.rows.map((r) => r.id), releases: releases.rows.map((r) => r.id) };
}

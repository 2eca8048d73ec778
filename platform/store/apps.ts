/**
 * Apps, each owned by one team. Names are global (they are DNS labels of the
 * default domain), so a name another team holds is taken for everyone.
 */
import type { Queryable } from '../db/pool.js';
import type { App } from '../types.js';
import { iso, translatePgError } from './rows.js';

interface AppRow { id: string; name: string; team_id: string; team_name: string; current_release_id: string | null; created_at: Date }

const SELECT_APP = `
  SELECT a.id, a.name, a.team_id, t.name AS team_name, a.current_release_id, a.created_at
    FROM apps a JOIN teams t ON t.id = a.team_id`;

const toApp = (r: AppRow): App => ({
  id: r.id, name: r.name, teamId: r.team_id, teamName: r.team_name, currentReleaseId: r.current_release_id, createdAt: iso(r.created_at),
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
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE a.name = $1`, [name]);
  return res.rows.length === 0 ? null : toApp(res.rows[0]);
}

/** The app with this id, or null. */
export async function getAppById(q: Queryable, id: string): Promise<App | null> {
  const res = await q.query<AppRow>(`${SELECT_APP} WHERE a.id = $1`, [id]);
  return res.rows.length === 0 ? null : toApp(res.rows[0]);
}

/** Apps by name; only those of the given teams unless `teamIds` is null (admins). */
export async function listApps(q: Queryable, teamIds: string[] | null): Promise<App[]> {
  const res = teamIds === null
    ? await q.query<AppRow>(`${SELECT_APP} ORDER BY a.name`)
    : await q.query<AppRow>(`${SELECT_APP} WHERE a.team_id = ANY($1::uuid[]) ORDER BY a.name`, [teamIds]);
  return res.rows.map(toApp);
}

/** Delete the app and (by cascade) its builds, releases, formation, processes, domains and certificates. */
export async function deleteApp(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM apps WHERE id = $1', [id]);
}

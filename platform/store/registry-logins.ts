/**
 * Registry logins of teams and apps (migration 0008). Listings never read
 * the password; only `buildCredentials` does, for the builds of one app.
 */
import type { RegistryLogin } from '../api/types.js';
import type { Queryable } from '../db/pool.js';
import { iso, translatePgError } from './rows.js';


interface Row { host: string; username: string; team: string; app: string | null; created_at: Date; updated_at: Date }

const toLogin = (r: Row): RegistryLogin => ({ host: r.host, username: r.username, team: r.team, app: r.app, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) });

const SELECT = `
  SELECT l.host, l.username, t.name AS team, a.name AS app, l.created_at, l.updated_at
    FROM registry_logins l JOIN teams t ON t.id = l.team_id LEFT JOIN apps a ON a.id = l.app_id`;

/** Where a login belongs: a team, or one app of it. */
export interface LoginOwner { teamId: string; appId: string | null }

/** Store (or replace) the login of `owner` for `host`; the listed row. */
export async function upsertRegistryLogin(q: Queryable, owner: LoginOwner, host: string, username: string, password: string): Promise<RegistryLogin> {
  const conflictOn = owner.appId === null ? '(team_id, host) WHERE app_id IS NULL' : '(app_id, host) WHERE app_id IS NOT NULL';
  const res = await q.query<{ id: string }>(
    `INSERT INTO registry_logins (team_id, app_id, host, username, password) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ${conflictOn} DO UPDATE SET username = EXCLUDED.username, password = EXCLUDED.password, updated_at = now()
     RETURNING id`, [owner.teamId, owner.appId, host, username, password],
  ).catch((err: unknown) => translatePgError(err, { check: `invalid registry login for ${host}: a host[:port], a user name of 1-255 and a password of 1-8192 characters` }));
  return toLogin((await q.query<Row>(`${SELECT} WHERE l.id = $1`, [res.rows[0].id])).rows[0]);
}

/** Remove the login of `owner` for `host`; false when there was none. */
export async function deleteRegistryLogin(q: Queryable, owner: LoginOwner, host: string): Promise<boolean> {
  const res = await q.query('DELETE FROM registry_logins WHERE team_id = $1 AND app_id IS NOT DISTINCT FROM $2 AND host = $3', [owner.teamId, owner.appId, host]);
  return (res.rowCount ?? 0) > 0;
}

/** Logins of the given teams (theirs and their apps'), by team, app and host. */
export async function listRegistryLogins(q: Queryable, teamIds: string[]): Promise<RegistryLogin[]> {
  const res = await q.query<Row>(`${SELECT} WHERE l.team_id = ANY($1::uuid[]) ORDER BY t.name, a.name NULLS FIRST, l.host`, [teamIds]);
  return res.rows.map(toLogin);
}

/** The credentials a build of this app uses, by host: its team's logins, overridden by the app's own. */
export async function buildCredentials(q: Queryable, teamId: string, appId: string): Promise<Record<string, { username: string; password: string }>> {
  const res = await q.query<{ host: string; username: string; password: string }>(
    `SELECT host, username, password FROM registry_logins
      WHERE team_id = $1 AND (app_id IS NULL OR app_id = $2) ORDER BY app_id NULLS FIRST`, [teamId, appId],
  );
  const out: Record<string, { username: string; password: string }> = {};
  for (const r of res.rows) out[r.host] = { username: r.username, password: r.password };
  return out;
}

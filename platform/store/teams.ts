/**
 * Teams (tenants) and their memberships. Plain SQL over a Queryable.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import type { Team } from '../types.js';
import { iso, translatePgError } from './rows.js';

interface TeamRow { id: string; name: string; created_at: Date }

const toTeam = (r: TeamRow): Team => ({ id: r.id, name: r.name, createdAt: iso(r.created_at) });

/** Create a team; Conflict when the name is taken, Invalid when it is not a DNS label. */
export async function insertTeam(q: Queryable, name: string): Promise<Team> {
  const res = await q.query<TeamRow>('INSERT INTO teams (name) VALUES ($1) RETURNING id, name, created_at', [name])
    .catch((err: unknown) => translatePgError(err, { unique: `team ${name} exists`, check: 'team names are DNS labels (a-z, 0-9, -)' }));
  return toTeam(res.rows[0]);
}

/** Teams by name order; only those with the given ids unless `ids` is null. */
export async function listTeams(q: Queryable, ids: string[] | null): Promise<Team[]> {
  const res = ids === null
    ? await q.query<TeamRow>('SELECT id, name, created_at FROM teams ORDER BY name')
    : await q.query<TeamRow>('SELECT id, name, created_at FROM teams WHERE id = ANY($1::uuid[]) ORDER BY name', [ids]);
  return res.rows.map(toTeam);
}

/** The team called `name`, or NotFound; `lock` holds its row until the transaction ends (no app is created in it meanwhile). */
export async function getTeamByName(q: Queryable, name: string, opts: { lock?: boolean } = {}): Promise<Team> {
  const res = await q.query<TeamRow>(`SELECT id, name, created_at FROM teams WHERE name = $1${opts.lock ? ' FOR UPDATE' : ''}`, [name]);
  if (res.rows.length === 0) throw notFound(`team ${name} not found`);
  return toTeam(res.rows[0]);
}

/** Make the user a member of the team (nothing happens when they already are). */
export async function addMembership(q: Queryable, teamId: string, userId: string): Promise<void> {
  await q.query('INSERT INTO memberships (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [teamId, userId]);
}

/** Delete the team (its memberships cascade); the caller checks that it has no apps. */
export async function removeTeam(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM teams WHERE id = $1', [id]);
}

/**
 * Teams (tenants) and their memberships. Plain SQL over a Queryable.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import type { Team, TeamRole } from '../types.js';
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

/**
 * Make the user a member of the team with `role`; without one, the team's
 * first member becomes its owner and later ones members. Returns false
 * (and changes nothing) when they already are a member.
 */
export async function addMembership(q: Queryable, teamId: string, userId: string, role?: TeamRole): Promise<boolean> {
  const res = await q.query(
    `INSERT INTO memberships (team_id, user_id, role)
       VALUES ($1, $2, coalesce($3, CASE WHEN EXISTS (SELECT 1 FROM memberships WHERE team_id = $1) THEN 'member' ELSE 'owner' END))
       ON CONFLICT DO NOTHING`, [teamId, userId, role ?? null]);
  return res.rowCount === 1;
}

/** A member of a team as listed: email and role. */
export interface MemberRecord { userId: string; email: string; role: TeamRole }

/** The team's members, owners first, then by email. */
export async function listMembers(q: Queryable, teamId: string): Promise<MemberRecord[]> {
  const res = await q.query<{ user_id: string; email: string; role: TeamRole }>(
    `SELECT m.user_id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.team_id = $1 ORDER BY array_position(ARRAY['owner', 'member', 'viewer'], m.role), u.email`, [teamId]);
  return res.rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role }));
}

/** Change a member's role; false when the user is not a member. */
export async function setMembershipRole(q: Queryable, teamId: string, userId: string, role: TeamRole): Promise<boolean> {
  const res = await q.query('UPDATE memberships SET role = $3 WHERE team_id = $1 AND user_id = $2', [teamId, userId, role]);
  return res.rowCount === 1;
}

/** Remove a member; false when the user is not a member. */
export async function removeMembership(q: Queryable, teamId: string, userId: string): Promise<boolean> {
  const res = await q.query('DELETE FROM memberships WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
  return res.rowCount === 1;
}

/**
 * Lock the rows of the teams `userId` owns: owner changes of a team take
 * its row lock (control/members.ts does, through findTeam), so two of them
 * cannot each leave the other as the last owner.
 */
export async function lockOwnedTeams(q: Queryable, userId: string): Promise<void> {
  await q.query(`SELECT id FROM teams WHERE id IN (SELECT team_id FROM memberships WHERE user_id = $1 AND role = 'owner') ORDER BY id FOR UPDATE`, [userId]);
}

/** The names of the teams `userId` is the only owner of while others are members: without them those would have no owner. */
export async function teamsOnlyOwnedBy(q: Queryable, userId: string): Promise<string[]> {
  const res = await q.query<{ name: string }>(
    `SELECT t.name FROM memberships m JOIN teams t ON t.id = m.team_id
      WHERE m.user_id = $1 AND m.role = 'owner'
        AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.team_id = m.team_id AND o.user_id <> $1 AND o.role = 'owner')
        AND EXISTS (SELECT 1 FROM memberships o WHERE o.team_id = m.team_id AND o.user_id <> $1)
      ORDER BY t.name`, [userId]);
  return res.rows.map((r) => r.name);
}

/** Delete the team (its memberships cascade); the caller checks that it has no apps. */
export async function removeTeam(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM teams WHERE id = $1', [id]);
}

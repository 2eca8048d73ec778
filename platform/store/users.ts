/**
 * Users, with the names and ids of their teams.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import type { TeamRole, User } from '../types.js';
import { iso, translatePgError } from './rows.js';

interface UserRow { id: string; email: string; is_admin: boolean; created_at: Date; teams: string[]; team_ids: string[]; team_roles: TeamRole[] }

/** A user, the ids of their teams and their role in each (what a Caller is made of). */
export interface UserWithTeams { user: User; teamIds: string[]; roles: Record<string, TeamRole> }

const SELECT_USER = `
  SELECT u.id, u.email, u.is_admin, u.created_at,
         coalesce(array_agg(t.name ORDER BY t.name) FILTER (WHERE t.id IS NOT NULL), '{}') AS teams,
         coalesce(array_agg(t.id::text ORDER BY t.name) FILTER (WHERE t.id IS NOT NULL), '{}') AS team_ids,
         coalesce(array_agg(m.role ORDER BY t.name) FILTER (WHERE t.id IS NOT NULL), '{}') AS team_roles
    FROM users u
    LEFT JOIN memberships m ON m.user_id = u.id
    LEFT JOIN teams t ON t.id = m.team_id`;

const toUser = (r: UserRow): UserWithTeams => ({
  user: { id: r.id, email: r.email, isAdmin: r.is_admin, teams: r.teams, createdAt: iso(r.created_at) },
  teamIds: r.team_ids,
  roles: Object.fromEntries(r.team_ids.map((id, i) => [id, r.team_roles[i]])),
});

/** Create a user (no teams yet); Conflict when the email is taken, Invalid when it is not an address. */
export async function insertUser(q: Queryable, email: string, isAdmin: boolean): Promise<string> {
  const res = await q.query<{ id: string }>('INSERT INTO users (email, is_admin) VALUES ($1, $2) RETURNING id', [email, isAdmin])
    .catch((err: unknown) => translatePgError(err, { unique: `user ${email} exists`, check: 'not an email address' }));
  return res.rows[0].id;
}

/** The user with this id, or NotFound. */
export async function getUserById(q: Queryable, id: string): Promise<UserWithTeams> {
  const res = await q.query<UserRow>(`${SELECT_USER} WHERE u.id = $1 GROUP BY u.id`, [id]);
  if (res.rows.length === 0) throw notFound('user not found');
  return toUser(res.rows[0]);
}

/** The user with this email, or NotFound. */
export async function getUserByEmail(q: Queryable, email: string): Promise<UserWithTeams> {
  const res = await q.query<UserRow>(`${SELECT_USER} WHERE u.email = $1 GROUP BY u.id`, [email]);
  if (res.rows.length === 0) throw notFound(`user ${email} not found`);
  return toUser(res.rows[0]);
}

/** Every user, by email. */
export async function listUsers(q: Queryable): Promise<User[]> {
  const res = await q.query<UserRow>(`${SELECT_USER} GROUP BY u.id ORDER BY u.email`);
  return res.rows.map((r) => toUser(r).user);
}

/** How many users exist (0 before the first start's bootstrap). */
export async function countUsers(q: Queryable): Promise<number> {
  const res = await q.query<{ n: string }>('SELECT count(*) AS n FROM users');
  return Number(res.rows[0].n);
}

/** Delete the user: tokens and memberships cascade; builds, releases and audit rows keep no link to them. */
export async function removeUser(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM users WHERE id = $1', [id]);
}

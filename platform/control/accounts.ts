/**
 * Teams, users and tokens: what admins manage, and a user's own tokens.
 */
import { conflict, forbidden } from '../../lib/errors.js';
import type { Db } from '../db/pool.js';
import type { AddMember, CreateToken, CreateUser, NewToken } from '../api/types.js';
import { requireAdmin, visibleTeamIds } from '../auth/callers.js';
import { issueToken } from '../auth/tokens.js';
import { teamAppNames } from '../store/apps.js';
import { addMembership, getTeamByName, insertTeam, listTeams, removeTeam } from '../store/teams.js';
import { getUserByEmail, getUserById, insertUser, listUsers, removeUser } from '../store/users.js';
import type { Caller, QuotaLimits, Team, User } from '../types.js';
import { audit } from './audit.js';
import { applyDefaultQuota } from './quotas.js';

/** All teams for admins, the caller's own for others. */
export function teamsOf(db: Db, caller: Caller): Promise<Team[]> {
  return listTeams(db, visibleTeamIds(caller));
}

/** Create a team (admin), with the operator's default quotas (`defaults`, issue 17 part 1). */
export async function createTeam(db: Db, caller: Caller, name: string, defaults?: Readonly<QuotaLimits>): Promise<Team> {
  requireAdmin(caller);
  return db.transaction(async (q) => {
    const team = await insertTeam(q, name);
    await applyDefaultQuota(q, defaults, team.id);
    await audit(q, caller, null, 'teams.create', { team: name });
    return team;
  });
}

/** Delete a team (admin); Conflict naming its apps while it has any (those being destroyed too: their erase still needs the team). */
export async function deleteTeam(db: Db, caller: Caller, name: string): Promise<void> {
  requireAdmin(caller);
  await db.transaction(async (q) => {
    const team = await getTeamByName(q, name, { lock: true });
    const apps = await teamAppNames(q, team.id);
    if (apps.length > 0) throw conflict(`team ${name} still has apps: ${apps.join(', ')}; destroy them first`);
    await removeTeam(q, team.id);
    await audit(q, caller, null, 'teams.delete', { team: name });
  });
}

/** Add an existing user to a team (admin). */
export async function addMember(db: Db, caller: Caller, teamName: string, body: AddMember): Promise<User> {
  requireAdmin(caller);
  return db.transaction(async (q) => {
    const team = await getTeamByName(q, teamName);
    const { user } = await getUserByEmail(q, body.email);
    await addMembership(q, team.id, user.id);
    await audit(q, caller, null, 'teams.add-member', { team: teamName, email: body.email });
    return (await getUserById(q, user.id)).user;
  });
}

/** Every user (admin). */
export function allUsers(db: Db, caller: Caller): Promise<User[]> {
  requireAdmin(caller);
  return listUsers(db);
}

/** Delete a user (admin), never oneself; their tokens and memberships go with them, so their calls fail at once. */
export async function deleteUser(db: Db, caller: Caller, email: string): Promise<void> {
  requireAdmin(caller);
  await db.transaction(async (q) => {
    const { user } = await getUserByEmail(q, email);
    if (user.id === caller.user.id) throw conflict('you cannot delete yourself; another admin can');
    await removeUser(q, user.id);
    await audit(q, caller, null, 'users.delete', { email });
  });
}

/** Create a user in the named teams (admin). */
export async function createUser(db: Db, caller: Caller, body: CreateUser): Promise<User> {
  requireAdmin(caller);
  return db.transaction(async (q) => {
    const teams = await Promise.all(body.teams.map((name) => getTeamByName(q, name)));
    const id = await insertUser(q, body.email, body.admin ?? false);
    for (const team of teams) await addMembership(q, team.id, id);
    await audit(q, caller, null, 'users.create', { email: body.email, teams: body.teams, admin: body.admin ?? false });
    return (await getUserById(q, id)).user;
  });
}

/** A new token for the user `email`: admins for anyone, users for themselves. */
export async function createToken(db: Db, caller: Caller, email: string, body: CreateToken): Promise<NewToken> {
  if (!caller.user.isAdmin && caller.user.email !== email) throw forbidden('only admins may make tokens for other users');
  return db.transaction(async (q) => {
    const { user } = await getUserByEmail(q, email);
    const description = body.description ?? '';
    const { record, token } = await issueToken(q, user.id, description);
    await audit(q, caller, null, 'tokens.create', { email, prefix: record.prefix });
    return { id: record.id, token, description, createdAt: record.createdAt };
  });
}

/**
 * Teams and users: what admins create, the deletion of a team (its owners
 * too); members are control/members.ts, tokens control/tokens.ts.
 */
import { conflict } from '../../lib/errors.js';
import type { Db } from '../db/pool.js';
import type { CreateUser, TeamInfo } from '../api/types.js';
import { requireAdmin, visibleTeamIds } from '../auth/callers.js';
import { findTeam } from '../auth/ownership.js';
import { teamAppNames } from '../store/apps.js';
import { addMembership, getTeamByName, insertTeam, listTeams, lockOwnedTeams, removeTeam, teamsOnlyOwnedBy } from '../store/teams.js';
import { getUserByEmail, getUserById, insertUser, listUsers, removeUser } from '../store/users.js';
import type { Caller, QuotaLimits, Team, User } from '../types.js';
import { audit } from './audit.js';
import { applyDefaultQuota } from './quotas.js';

/** All teams for admins, the caller's own for others; each with the caller's role there. */
export async function teamsOf(db: Db, caller: Caller): Promise<TeamInfo[]> {
  return (await listTeams(db, visibleTeamIds(caller))).map((t) => ({ ...t, role: caller.roles[t.id] ?? null }));
}

/** Create a team (admin), with the operator's default quotas (`defaults`, issue 17 part 1). */
export async function createTeam(db: Db, caller: Caller, name: string, defaults: Readonly<QuotaLimits> | undefined): Promise<Team> {
  requireAdmin(caller);
  return db.transaction(async (q) => {
    const team = await insertTeam(q, name);
    await applyDefaultQuota(q, defaults, team.id);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.create', { team: name });
    return team;
  });
}

/** Delete a team (its owners, admins); Conflict naming its apps while it has any (those being destroyed too: their erase still needs the team). */
export async function deleteTeam(db: Db, caller: Caller, name: string): Promise<void> {
  await db.transaction(async (q) => {
    const team = await findTeam(q, caller, name, 'owner', { lock: true });
    const apps = await teamAppNames(q, team.id);
    if (apps.length > 0) throw conflict(`team ${name} still has apps: ${apps.join(', ')}; destroy them first`);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.delete', { team: name }); // before the row goes: the link then goes NULL, the name stays
    await removeTeam(q, team.id);
  });
}

/** Every user (admin). */
export function allUsers(db: Db, caller: Caller): Promise<User[]> {
  requireAdmin(caller);
  return listUsers(db);
}

/**
 * Delete a user (admin), never oneself; their tokens and memberships go with
 * them, so their calls fail at once. Never a team's last owner while others
 * are in it (as members.ts keeps an owner); a team they were alone in stays,
 * empty, and the next user added to it becomes its owner.
 */
export async function deleteUser(db: Db, caller: Caller, email: string): Promise<void> {
  requireAdmin(caller);
  await db.transaction(async (q) => {
    const { user } = await getUserByEmail(q, email);
    if (user.id === caller.user.id) throw conflict('you cannot delete yourself; another admin can');
    await lockOwnedTeams(q, user.id);
    const stranded = await teamsOnlyOwnedBy(q, user.id);
    if (stranded.length > 0) {
      const teams = `team${stranded.length > 1 ? 's' : ''} ${stranded.join(', ')}`;
      throw conflict(`cannot delete ${email}: the last owner of ${teams}, which others are members of; make another member an owner first `
        + `(members:set-role EMAIL --team ${stranded[0]} --role owner)`);
    }
    await removeUser(q, user.id);
    await audit(q, caller, null, 'users.delete', { email });
  });
}

/** Create a user in the named teams (admin): a member of each, the owner of a team that had no members. */
export async function createUser(db: Db, caller: Caller, body: CreateUser): Promise<User> {
  requireAdmin(caller);
  return db.transaction(async (q) => {
    const teams = await Promise.all(body.teams.map((name) => getTeamByName(q, name)));
    const id = await insertUser(q, body.email, body.admin ?? false);
    await audit(q, caller, null, 'users.create', { email: body.email, teams: body.teams, admin: body.admin ?? false });
    for (const team of teams) { // each team's members see who joined it, as with addMember
      await addMembership(q, team.id, id);
      await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.add-member', { team: team.name, email: body.email });
    }
    return (await getUserById(q, id)).user;
  });
}

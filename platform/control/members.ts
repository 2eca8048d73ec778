/**
 * A team's members and their roles (auth/roles.ts), managed by its owners
 * (and admins). A team keeps at least one owner: removing or demoting the
 * last one is refused. Each change holds the team's row locked, so two
 * owners demoting each other at once cannot leave it without one.
 */
import { conflict, notFound } from '../../lib/errors.js';
import type { Db, Queryable } from '../db/pool.js';
import type { AddMember, Member } from '../api/types.js';
import { findTeam } from '../auth/ownership.js';
import { addMembership, listMembers, removeMembership, setMembershipRole, type MemberRecord } from '../store/teams.js';
import { getUserByEmail } from '../store/users.js';
import type { Caller, Team, TeamRole } from '../types.js';
import { audit } from './audit.js';

const toMember = (m: MemberRecord): Member => ({ email: m.email, role: m.role });

/** The members of a team the caller is in (any role; admins: any team), owners first. */
export async function membersOf(db: Db, caller: Caller, teamName: string): Promise<Member[]> {
  const team = await findTeam(db, caller, teamName, 'viewer');
  return (await listMembers(db, team.id)).map(toMember);
}

/** Add an existing user to the team (owner) as `role` (default member; owner when the team has none yet); Conflict when they are in it already. */
export async function addMember(db: Db, caller: Caller, teamName: string, body: AddMember): Promise<Member> {
  return db.transaction(async (q) => {
    const team = await findTeam(q, caller, teamName, 'owner', { lock: true });
    const { user } = await getUserByEmail(q, body.email);
    if (!(await addMembership(q, team.id, user.id, body.role))) {
      throw conflict(`${body.email} is in team ${team.name} already; change the role with members:set-role`);
    }
    const member = await memberOf(q, team, body.email);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.add-member', { team: team.name, email: body.email, role: member.role });
    return member;
  });
}

/** Change a member's role (owner); never the team's last owner's. */
export async function setMemberRole(db: Db, caller: Caller, teamName: string, email: string, role: TeamRole): Promise<Member> {
  return db.transaction(async (q) => {
    const team = await findTeam(q, caller, teamName, 'owner', { lock: true });
    const current = await memberOf(q, team, email);
    if (current.role === 'owner' && role !== 'owner') await keepAnOwner(q, team, email, `make ${email} a ${role}`);
    const { user } = await getUserByEmail(q, email);
    await setMembershipRole(q, team.id, user.id, role);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.set-role', { team: team.name, email, role, was: current.role });
    return { email, role };
  });
}

/** Remove a member from the team (owner); never its last owner. Their apps stay the team's. */
export async function removeMember(db: Db, caller: Caller, teamName: string, email: string): Promise<void> {
  await db.transaction(async (q) => {
    const team = await findTeam(q, caller, teamName, 'owner', { lock: true });
    const current = await memberOf(q, team, email);
    if (current.role === 'owner') await keepAnOwner(q, team, email, `remove ${email}`);
    const { user } = await getUserByEmail(q, email);
    await removeMembership(q, team.id, user.id);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.remove-member', { team: team.name, email, role: current.role });
  });
}

/** The member `email` of the team, or NotFound. */
async function memberOf(q: Queryable, team: Team, email: string): Promise<Member> {
  const found = (await listMembers(q, team.id)).find((m) => m.email === email);
  if (!found) throw notFound(`${email} is not a member of team ${team.name}`);
  return toMember(found);
}

/** Conflict when `email` is the team's only owner (the team would have none after `what`). */
async function keepAnOwner(q: Queryable, team: Team, email: string, what: string): Promise<void> {
  const owners = (await listMembers(q, team.id)).filter((m) => m.role === 'owner' && m.email !== email);
  if (owners.length === 0) {
    throw conflict(`cannot ${what}: ${email} is the last owner of team ${team.name}; make another member an owner first (members:set-role EMAIL --team ${team.name} --role owner)`);
  }
}

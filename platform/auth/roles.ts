/**
 * Roles: what each role of a team may do, and the one check of it.
 *
 * A member of a team has one role there (memberships.role, migration 0009):
 *   - `viewer`: reads the team's apps (info, config *names* with masked
 *     values, releases, builds, formation, processes, domains, certificates,
 *     activity) and the team's members;
 *   - `member`: also deploys (git push), scales, sets config, runs one-offs,
 *     reads logs and build/deploy output, restarts, adds domains and
 *     certificates, rolls back, creates apps;
 *   - `owner`: also manages members and their roles, sees quotas, destroys
 *     apps and deletes the team.
 * Admins (users.is_admin) may do everything everywhere, member or not.
 * Whoever is not a member of a team does not see it at all: its apps and
 * the team itself are NotFound for them (auth/ownership.ts), never Forbidden.
 *
 * Every API route declares what it needs in one place: `role` of its
 * operation in api/openapi.ts (served as `x-tspaas-role`), enforced by
 * api/roles.ts; the git receiver, the run WebSocket and the dashboard pass
 * their need to the same `findApp`.
 */
import { forbidden } from '../../lib/errors.js';
import type { Caller, TeamRole } from '../types.js';

/** What a route needs: no token, any caller, the user named in the path (or an admin), a role in the team it acts on, or an admin. */
export type Need = 'public' | 'user' | 'self' | TeamRole | 'admin';

export const TEAM_ROLES: readonly TeamRole[] = ['owner', 'member', 'viewer'];

const RANK: Record<TeamRole, number> = { viewer: 1, member: 2, owner: 3 };

/** True when `role` includes the rights of `need`. */
export function roleIncludes(role: TeamRole, need: TeamRole): boolean {
  return RANK[role] >= RANK[need];
}

/** True when the caller has at least `need` in the team (admins always). */
export function hasRole(caller: Caller, teamId: string, need: TeamRole): boolean {
  if (caller.user.isAdmin) return true;
  const role = caller.roles[teamId];
  return role !== undefined && roleIncludes(role, need);
}

/** requireRole for the app's team: the operations that change an app check it again, so a caller that found the app with a lower need (a dashboard page) cannot change it. */
export function requireAppRole(caller: Caller, app: { teamId: string; teamName: string }, need: TeamRole): void {
  requireRole(caller, { id: app.teamId, name: app.teamName }, need);
}

/** Forbidden, naming the role needed and the caller's, unless the caller has at least `need` in the team. The caller is a member (or an admin): a non-member gets NotFound before this. */
export function requireRole(caller: Caller, team: { id: string; name: string }, need: TeamRole): void {
  if (hasRole(caller, team.id, need)) return;
  const role = caller.roles[team.id];
  throw forbidden(`this needs the ${need} role in team ${team.name}; you are ${role ? `a ${role}` : 'not a member'}`);
}

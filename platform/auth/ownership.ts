/**
 * Ownership: the one place that decides whether a caller may see an app or
 * a team, and act on it with a role (auth/roles.ts). An app or team of which
 * the caller is not a member does not exist for them (NotFound, the same
 * answer as for a name nobody has), so names of other tenants leak nothing;
 * a member whose role is too low gets Forbidden, naming both roles.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { getAppByName } from '../store/apps.js';
import { getTeamByName } from '../store/teams.js';
import type { App, Caller, Team, TeamRole } from '../types.js';
import { requireRole } from './roles.js';

/** True when the caller may see the app (any role in its team, or an admin). */
export function mayAccess(caller: Caller, app: App): boolean {
  return caller.user.isAdmin || caller.teamIds.includes(app.teamId);
}

/** The app called `name` if the caller may act on it with `need`; NotFound when it is missing or another team's, Forbidden when the role is too low. */
export async function findApp(q: Queryable, caller: Caller, name: string, need: TeamRole): Promise<App> {
  const app = await getAppByName(q, name);
  if (!app || !mayAccess(caller, app)) throw notFound(`app ${name} not found`);
  requireRole(caller, { id: app.teamId, name: app.teamName }, need);
  return app;
}

/** The team called `name` if the caller may act on it with `need`; NotFound for non-members (as for a missing team), Forbidden when the role is too low. `lock` as getTeamByName. */
export async function findTeam(q: Queryable, caller: Caller, name: string, need: TeamRole, opts: { lock?: boolean } = {}): Promise<Team> {
  const team = await getTeamByName(q, name, opts);
  if (!caller.user.isAdmin && !caller.teamIds.includes(team.id)) throw notFound(`team ${name} not found`);
  requireRole(caller, team, need);
  return team;
}

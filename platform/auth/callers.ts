/**
 * Callers: who makes a call, with their teams; and the admin check.
 */
import { forbidden } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { getUserById } from '../store/users.js';
import type { Caller } from '../types.js';

/** The Caller for a user id (their teams resolved now). */
export async function loadCaller(q: Queryable, userId: string): Promise<Caller> {
  const { user, teamIds, roles } = await getUserById(q, userId);
  return { user, teamIds, roles };
}

/** Forbidden unless the caller is an admin. */
export function requireAdmin(caller: Caller): void {
  if (!caller.user.isAdmin) throw forbidden('only admins may do this');
}

/** Team ids whose apps the caller sees: null (all) for admins. */
export function visibleTeamIds(caller: Caller): string[] | null {
  return caller.user.isAdmin ? null : caller.teamIds;
}

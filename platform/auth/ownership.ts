/**
 * Ownership: the one place that decides whether a caller may see an app.
 * An app of another team does not exist for the caller (NotFound, the same
 * answer as for a name nobody has), so names of other tenants leak nothing.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { getAppByName } from '../store/apps.js';
import type { App, Caller } from '../types.js';

/** True when the caller may see and change the app. */
export function mayAccess(caller: Caller, app: App): boolean {
  return caller.user.isAdmin || caller.teamIds.includes(app.teamId);
}

/** The app called `name` if the caller may see it; NotFound otherwise (missing or another team's). */
export async function findApp(q: Queryable, caller: Caller, name: string): Promise<App> {
  const app = await getAppByName(q, name);
  if (!app || !mayAccess(caller, app)) throw notFound(`app ${name} not found`);
  return app;
}

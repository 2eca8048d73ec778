/**
 * The role check of every /v1 route, read from the role its operation
 * declares in the OpenAPI document (openapi.ts `OPERATIONS`, auth/roles.ts):
 * guardRoutes puts it in front of each registered route's handlers, and
 * refuses to start when a route declares none. A route on `{app}` finds the
 * app here (findApp: 404 for non-members, 403 when the role is too low) and
 * hands it to its handler (context.ts `appOf`); `{team}` likewise (the
 * team operations look it up again, locked, and check again: the dashboard
 * calls them too). Roles in a team named by the body or query (creating an
 * app, registry logins) are checked by the operation that reads them;
 * test/platform/api/roles.test.ts shows every route does as it declares.
 */
import type { Context } from 'koa';
import { forbidden, internal } from '../../lib/errors.js';
import { findApp, findTeam } from '../auth/ownership.js';
import type { Need } from '../auth/roles.js';
import { tokenOwner } from '../control/tokens.js';
import type { PlatformDeps } from '../types.js';
import { callerOf, type ApiRouter, type ApiState } from './context.js';
import { OPERATIONS } from './openapi.js';

type Params = Record<string, string | undefined>;

/** Put the declared role's check in front of every route of `router`; Internal when a route has no declared operation. */
export function guardRoutes(router: ApiRouter, deps: Pick<PlatformDeps, 'db'>): void {
  for (const layer of router.stack) {
    const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
    const methods = layer.methods.filter((m) => m !== 'HEAD');
    if (methods.length !== 1) throw internal(`route ${path} must be registered for one method (has ${methods.join(', ')})`);
    const op = OPERATIONS[path]?.[methods[0].toLowerCase()];
    if (!op?.role) throw internal(`route ${methods[0]} ${path} declares no role: add its operation to OPERATIONS in platform/api/openapi.ts`);
    layer.stack.unshift(async (ctx, next) => { await checkRole(deps, ctx, op.role, op.adminOnly); await next(); });
  }
}

/** The declared role's check for one request; the app or team it names goes into the request's state. */
export async function checkRole(deps: Pick<PlatformDeps, 'db'>, ctx: Context & { params?: Params }, need: Need, adminOnly = 'only admins may do this'): Promise<void> {
  if (need === 'public') return;
  const caller = callerOf(ctx);
  const params = ctx.params ?? {};
  const state = ctx.state as ApiState;
  if (need === 'admin') {
    if (!caller.user.isAdmin) throw forbidden(adminOnly);
    return;
  }
  if (need === 'user') return;
  if (need === 'self') {
    await tokenOwner(deps.db, caller, params.email ?? '');
    return;
  }
  if (params.app !== undefined) state.app = await findApp(deps.db, caller, params.app, need);
  else if (params.team !== undefined) state.team = await findTeam(deps.db, caller, params.team, need);
}

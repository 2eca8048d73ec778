/**
 * Registry logins of teams and apps (issue 14, part R): control/registry-logins.ts.
 */
import * as logins from '../../control/registry-logins.js';
import type { SetRegistryLogin } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';
import { queryText } from './processes.js';

/** Register the registry-login routes on the /v1 router. */
export function registryLoginRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/registry-logins', async (ctx) => {
    ctx.body = await logins.registryLogins(deps, callerOf(ctx), queryText(ctx.query.team));
  });
  router.put('/registry-logins', async (ctx) => {
    const body = await readBody<SetRegistryLogin>(ctx.req, 'SetRegistryLogin');
    ctx.body = await logins.setRegistryLogin(deps, callerOf(ctx), body);
  });
  router.delete('/registry-logins/:host', async (ctx) => {
    await logins.removeRegistryLogin(deps, callerOf(ctx), ctx.params.host, { team: queryText(ctx.query.team), app: queryText(ctx.query.app) });
    ctx.status = 204;
  });
}

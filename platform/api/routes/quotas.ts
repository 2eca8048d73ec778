/**
 * Issue 17, part 1: a team's quotas and use (control/quotas.ts).
 */
import { setQuota, showQuota } from '../../control/quotas.js';
import type { SetQuota } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';

/** Register the quota routes on the /v1 router. */
export function quotaRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/teams/:team/quota', async (ctx) => { ctx.body = await showQuota(deps, callerOf(ctx), ctx.params.team); });
  router.put('/teams/:team/quota', async (ctx) => {
    const body = await readBody<SetQuota>(ctx.req, 'SetQuota');
    ctx.body = await setQuota(deps, callerOf(ctx), ctx.params.team, body, true);
  });
  router.patch('/teams/:team/quota', async (ctx) => {
    const body = await readBody<SetQuota>(ctx.req, 'SetQuota');
    ctx.body = await setQuota(deps, callerOf(ctx), ctx.params.team, body, false);
  });
}

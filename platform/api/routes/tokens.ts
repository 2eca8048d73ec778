/**
 * A user's API tokens (issue 17, part 3; control/tokens.ts): `me` or the
 * user's email (admins: anyone's).
 */
import * as tokens from '../../control/tokens.js';
import type { CreateToken } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';

/** Register the token routes on the /v1 router. */
export function tokenRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/users/:email/tokens', async (ctx) => { ctx.body = await tokens.tokensOf(deps.db, callerOf(ctx), ctx.params.email); });
  router.post('/users/:email/tokens', async (ctx) => {
    const body = await readBody<CreateToken>(ctx.req, 'CreateToken');
    ctx.body = await tokens.createToken(deps.db, callerOf(ctx), ctx.params.email, body);
    ctx.status = 201;
  });
  router.delete('/users/:email/tokens/:token', async (ctx) => {
    await tokens.revokeToken(deps.db, callerOf(ctx), ctx.params.email, ctx.params.token);
    ctx.status = 204;
  });
}

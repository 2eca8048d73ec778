/**
 * One-time dashboard login links (`tspaas dashboard`, auth/login-links.ts).
 */
import { createLoginCode, LOGIN_LINK_PATH } from '../../auth/login-links.js';
import { audit } from '../../control/audit.js';
import type { LoginLink } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';

/** Register `POST /v1/dashboard/login-links`. */
export function loginLinkRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.post('/dashboard/login-links', async (ctx) => {
    const caller = callerOf(ctx);
    // The auth middleware accepted exactly this Bearer token: the link logs in as it.
    const token = /^Bearer (\S+)$/.exec(ctx.get('Authorization'))![1];
    const { code, expiresAt } = createLoginCode(deps.db, token);
    const body: LoginLink = { url: `${deps.config.publicUrl.replace(/\/+$/, '')}${LOGIN_LINK_PATH}/${code}`, expiresAt: expiresAt.toISOString() };
    await audit(deps.db, caller, null, 'dashboard.login-link', { expiresAt: body.expiresAt }); // never the link: it logs in
    ctx.body = body;
    ctx.status = 201;
  });
}

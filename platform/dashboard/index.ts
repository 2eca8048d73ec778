/**
 * The dashboard (`/dashboard`): server-rendered handlebars pages that do
 * what the CLI does for an app — list, create and destroy apps; releases
 * with their builds and rollback; scale and restart; config; domains and
 * certificates; live logs; activity — for a team (members and roles,
 * quotas, activity), for the caller's tokens and for admins (teams, users,
 * host capacity and use) — with plain forms and
 * POST-redirect-GET, so it all works without JavaScript (but live logs).
 *
 * The parts: session.ts (cookie, CSRF, forms), guard.ts (how a page or a
 * form runs), render.ts (views, CSP), pages.ts (GET), actions.ts (POST,
 * through the API's own control operations), logs.ts (SSE), team.ts,
 * tokens.ts and admin.ts (their pages and forms). Login is with
 * an API token, or with a one-time link from `tspaas dashboard`
 * (auth/login-links.ts).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOGIN_LINK_PATH, redeemLoginCode } from '../auth/login-links.js';
import { kindOf } from '../../lib/errors.js';
import { authenticateToken } from '../auth/tokens.js';
import type { PlatformDeps } from '../types.js';
import { registerActions } from './actions.js';
import { registerAdminPages } from './admin.js';
import { sessionOf, showError, showLogin, type Dashboard } from './guard.js';
import { registerLogStream } from './logs.js';
import { registerPages } from './pages.js';
import { dashboardDir, loadRenderer, setPageHeaders } from './render.js';
import { registerTeamPages } from './team.js';
import { registerTokenPages } from './tokens.js';
import { checkCsrf, clearSession, postedPreSession, readForm, setSession } from './session.js';

/** The files under static/ and their types. */
const STATIC: Record<string, string> = { 'dashboard.css': 'text/css; charset=utf-8', 'logs.js': 'text/javascript; charset=utf-8' };

/** Routes of `/` and `/dashboard…`. */
export function dashboardRouter(deps: PlatformDeps): Router {
  const dash: Dashboard = { deps, render: loadRenderer(), router: new Router() };
  const { router } = dash;
  const files = Object.fromEntries(Object.keys(STATIC).map((f) => [f, readFileSync(path.join(dashboardDir('static'), f))]));
  router.get('/', (ctx) => ctx.redirect('/dashboard'));
  router.get('/dashboard/static/:file', (ctx) => {
    const type = STATIC[ctx.params.file];
    if (!type) return;
    setPageHeaders(ctx);
    ctx.set('Cache-Control', 'max-age=300');
    ctx.type = type;
    ctx.body = files[ctx.params.file];
  });
  const loginPage = (ctx: Context, error?: string) => showLogin(dash, ctx, error);
  router.get('/dashboard/login', (ctx) => loginPage(ctx));
  router.post('/dashboard/login', async (ctx) => {
    const form = await readForm(ctx).then((f) => { checkCsrf(ctx, f, postedPreSession(ctx)); return f; })
      .catch((err: unknown) => { showError(dash, ctx, err, { title: 'Log in' }); return null; });
    if (!form) return;
    const token = form.get('token')?.trim() ?? '';
    const refused = await authenticateToken(deps.db, token).then(() => null, (err: unknown) => (kindOf(err) === 'Unauthorized' ? (err as Error).message : 'invalid token'));
    if (refused !== null) {
      ctx.status = 401;
      return loginPage(ctx, `That token is not valid (${refused}).`);
    }
    setSession(ctx, deps.config, token);
    ctx.status = 303;
    ctx.redirect('/dashboard');
  });
  router.get(`${LOGIN_LINK_PATH}/:code`, (ctx) => {
    const token = redeemLoginCode(deps.db, ctx.params.code);
    if (!token) {
      ctx.status = 401;
      return loginPage(ctx, 'That login link has expired or was used already: run tspaas dashboard again, or log in with a token.');
    }
    setSession(ctx, deps.config, token);
    ctx.redirect('/dashboard');
  });
  router.post('/dashboard/logout', async (ctx) => {
    let session: Awaited<ReturnType<typeof sessionOf>> = null;
    try {
      session = await sessionOf(dash, ctx);
      if (session && !('ended' in session)) checkCsrf(ctx, await readForm(ctx), session.token);
    } catch (err) {
      return showError(dash, ctx, err, { title: 'Log out', user: session && !('ended' in session) ? session.caller.user : undefined });
    }
    clearSession(ctx, deps.config);
    ctx.status = 303;
    ctx.redirect('/dashboard/login');
  });
  registerPages(dash);
  registerActions(dash);
  registerLogStream(dash);
  registerTeamPages(dash);
  registerTokenPages(dash);
  registerAdminPages(dash);
  return router;
}

/**
 * The read-only dashboard (handlebars, templates in views/): a login form
 * that keeps the API token in an HttpOnly SameSite=Strict cookie, the
 * caller's apps, and one app's formation, processes, domains, releases and
 * failed builds (with their reasons).
 * Same ownership rules as the API (auth/ownership.ts); every value is
 * HTML-escaped by the templates.
 */
import Router from '@koa/router';
import Handlebars from 'handlebars';
import type { Context } from 'koa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindOf } from '../../lib/errors.js';
import { STATUS_OF_KIND } from '../../lib/http-status.js';
import { findApp } from '../auth/ownership.js';
import { authenticateToken } from '../auth/tokens.js';
import { describeApp, listAppInfos } from '../control/apps.js';
import { listReleases } from '../store/releases.js';
import { listBuilds } from '../store/builds.js';
import { listDomains } from '../store/domains.js';
import type { Caller, PlatformDeps } from '../types.js';

const COOKIE = 'tspaas_token';
const PAGES = ['layout', 'login', 'apps', 'app', 'error'] as const;
type Page = (typeof PAGES)[number];

/** Routes of `/` and `/dashboard…`. */
export function dashboardRouter(deps: PlatformDeps): Router {
  const render = loadViews();
  const page = (ctx: Context, name: Page, data: Record<string, unknown>, user?: Caller['user']) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    ctx.body = render.layout({ title: data.title ?? 'tspaas', user, body: render[name](data) });
  };
  const router = new Router();
  router.get('/', (ctx) => ctx.redirect('/dashboard'));
  router.get('/dashboard/login', (ctx) => page(ctx, 'login', { title: 'Log in' }));
  router.post('/dashboard/login', async (ctx) => {
    const token = new URLSearchParams(await readText(ctx)).get('token')?.trim() ?? '';
    const refused = await authenticateToken(deps.db, token).then(() => null, (err: unknown) => (kindOf(err) === 'Unauthorized' ? (err as Error).message : 'invalid token'));
    if (refused !== null) {
      ctx.status = 401;
      return page(ctx, 'login', { title: 'Log in', error: `That token is not valid (${refused}).` });
    }
    ctx.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/dashboard', overwrite: true });
    ctx.redirect('/dashboard');
  });
  router.post('/dashboard/logout', (ctx) => {
    ctx.cookies.set(COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/dashboard', maxAge: 0 });
    ctx.redirect('/dashboard/login');
  });
  router.get('/dashboard', (ctx) => guarded(ctx, async (caller) => {
    page(ctx, 'apps', { title: 'Apps', apps: await listAppInfos(deps, caller) }, caller.user);
  }));
  router.get('/dashboard/apps/:app', (ctx) => guarded(ctx, async (caller) => {
    const app = await findApp(deps.db, caller, ctx.params.app, 'viewer');
    const [info, releases, domains, builds] = await Promise.all([describeApp(deps, app), listReleases(deps.db, app.id, 20), listDomains(deps.db, app.id), listBuilds(deps.db, app.id, 20)]);
    const failedBuilds = builds.filter((b) => b.status === 'failed'); // issue 14 part P: builds that made no release, with their reason
    const processes = await Promise.resolve().then(() => deps.scheduler.listProcesses(app)).then((p) => ({ list: p, error: null }), () => ({ list: [], error: 'processes are unavailable right now' }));
    const formation = info.formation.map((f) => ({ ...f, memoryMiB: Math.round(f.memoryBytes / 1048576) }));
    page(ctx, 'app', { title: app.name, app: info, releases, failedBuilds, domains, formation, processes: processes.list, processError: processes.error }, caller.user);
  }));

  /**
   * Run a page for a logged-in caller; to the login form without one. The
   * session's token is checked again on every page: once it is revoked or
   * expired the page is a 401 login form saying why, and the cookie goes.
   * An error page on failure.
   */
  async function guarded(ctx: Context, fn: (caller: Caller) => Promise<void>): Promise<void> {
    const token = ctx.cookies.get(COOKIE);
    if (!token) return ctx.redirect('/dashboard/login');
    const caller = await authenticateToken(deps.db, token).catch((err: unknown) => {
      if (kindOf(err) !== 'Unauthorized') throw err;
      ctx.cookies.set(COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/dashboard', maxAge: 0 });
      ctx.status = 401;
      page(ctx, 'login', { title: 'Log in', error: `Your session ended: ${(err as Error).message}. Log in again.` });
      return null;
    });
    if (!caller) return;
    try {
      await fn(caller);
    } catch (err) {
      const kind = kindOf(err);
      if (kind === 'Internal') deps.log.error({ err }, 'dashboard page failed');
      ctx.status = STATUS_OF_KIND[kind];
      page(ctx, 'error', { title: 'Error', status: ctx.status, message: kind === 'Internal' ? 'Something went wrong.' : (err as Error).message }, caller.user);
    }
  }
  return router;
}

function loadViews(): Record<Page, Handlebars.TemplateDelegate> {
  const hbs = Handlebars.create();
  const dir = viewsDir();
  return Object.fromEntries(PAGES.map((p) => [p, hbs.compile(readFileSync(path.join(dir, `${p}.hbs`), 'utf8'), { strict: false })])) as
    Record<Page, Handlebars.TemplateDelegate>;
}

/** views/ beside this file; from dist/, the source tree's (tsc does not copy templates). */
function viewsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const local = path.join(here, 'views');
  return existsSync(local) ? local : path.resolve(here, '../../../platform/dashboard/views');
}

async function readText(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 16384) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

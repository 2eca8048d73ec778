/**
 * How a dashboard route runs: a page for a logged-in caller (else to the
 * login form), an action (POST) for a logged-in caller whose form carries
 * the session's CSRF token (else 401/403), and the one place that turns an
 * error kind into a status or a notice. Actions answer with a redirect
 * (POST-redirect-GET), so every form works without JavaScript.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { kindOf } from '../../lib/errors.js';
import { STATUS_OF_KIND } from '../../lib/http-status.js';
import { authenticateToken } from '../auth/tokens.js';
import { clientAddress } from '../client-address.js';
import type { Caller, PlatformDeps } from '../types.js';
import type { PageFrame, Renderer } from './render.js';
import { checkCsrf, clearSession, csrfToken, preSession, readForm, SESSION_COOKIE, setNotice, takeNotice, type Notice } from './session.js';

export type DashContext = Context & { params: Record<string, string> };

/** What the dashboard's routes share. */
export interface Dashboard {
  deps: PlatformDeps;
  render: Renderer;
  router: Router;
}

/** A logged-in request: its caller (with the client's address, for the audit log) and the session's token. */
export interface Session { caller: Caller; token: string }

/**
 * The request's session: null without one; `ended` with the reason when its
 * token no longer works (revoked, expired, its user deleted): the cookie is
 * cleared, and the token is checked so on every request.
 */
export async function sessionOf(dash: Dashboard, ctx: Context): Promise<Session | { ended: string } | null> {
  const token = ctx.cookies.get(SESSION_COOKIE);
  if (!token) return null;
  try {
    const caller = { ...await authenticateToken(dash.deps.db, token), address: clientAddress(ctx.req, dash.deps.config.trustedProxies) };
    return { caller, token };
  } catch (err) {
    if (kindOf(err) !== 'Unauthorized') throw err;
    clearSession(ctx, dash.deps.config);
    return { ended: (err as Error).message };
  }
}

/** The login form (with a pre-session for its CSRF token), and why the caller is there when there is a reason. */
export function showLogin(dash: Dashboard, ctx: Context, error?: string): void {
  dash.render(ctx, 'login', { title: 'Log in', csrf: csrfToken(preSession(ctx, dash.deps.config)) }, { error });
}

/** GET `path`: `fn` renders a page for the logged-in caller. */
export function page(dash: Dashboard, path: string, fn: (ctx: DashContext, caller: Caller, frame: PageFrame) => Promise<void>): void {
  dash.router.get(path, async (ctx) => {
    let frame: PageFrame = { title: 'tspaas' };
    try {
      const session = await sessionOf(dash, ctx);
      if (session === null) return ctx.redirect('/dashboard/login');
      if ('ended' in session) {
        ctx.status = 401;
        return showLogin(dash, ctx, `Your session ended: ${session.ended}. Log in again.`);
      }
      frame = { title: 'tspaas', user: session.caller.user, csrf: csrfToken(session.token), notice: takeNotice(ctx, dash.deps.config) };
      await fn(ctx, session.caller, frame);
    } catch (err) {
      showError(dash, ctx, err, frame);
    }
  });
}

/** What an action did: the page to go to next and what to tell there. */
export interface Done { to: string; notice: string }

/**
 * POST `path`: `fn` acts for the logged-in caller with the posted form; then a redirect to `done.to`
 * with its notice, or on failure back to `back(ctx)` with the reason.
 */
export function action(dash: Dashboard, path: string, back: (ctx: DashContext) => string, fn: (ctx: DashContext, caller: Caller, form: URLSearchParams) => Promise<Done>): void {
  dash.router.post(path, async (ctx) => {
    const posted = await postedForm(dash, ctx);
    if (!posted) return;
    const notice = await fn(ctx, posted.session.caller, posted.form).then((done): Notice & { to: string } => ({ kind: 'ok', text: done.notice, to: done.to }),
      (err: unknown): Notice & { to: string } => ({ kind: 'error', text: messageOf(dash, err), to: back(ctx) }));
    redirectWithNotice(dash, ctx, notice.to, { kind: notice.kind, text: notice.text });
  });
}

/** A 303 to `to`, where `notice` is shown (the cookie takeNotice reads). */
function redirectWithNotice(dash: Dashboard, ctx: DashContext, to: string, notice: Notice): void {
  setNotice(ctx, dash.deps.config, notice);
  ctx.status = 303;
  ctx.redirect(to);
}

/**
 * POST `path` that answers with a page rather than a redirect (what must be shown once, as a new
 * token's secret): `fn` renders for the logged-in caller whose form carries the CSRF token; on
 * failure, as an action, back to `back` with the reason.
 */
export function formPage(dash: Dashboard, path: string, back: string, fn: (ctx: DashContext, caller: Caller, form: URLSearchParams, frame: PageFrame) => Promise<void>): void {
  dash.router.post(path, async (ctx) => {
    const posted = await postedForm(dash, ctx);
    if (!posted) return;
    const frame: PageFrame = { title: 'tspaas', user: posted.session.caller.user, csrf: csrfToken(posted.session.token) };
    await fn(ctx, posted.session.caller, posted.form, frame)
      .catch((err: unknown) => redirectWithNotice(dash, ctx, back, { kind: 'error', text: messageOf(dash, err) }));
  });
}

/** The session and the form of a POST, or null when it was answered already: 401 without a session, 403 without its CSRF token. */
async function postedForm(dash: Dashboard, ctx: DashContext): Promise<{ session: Session; form: URLSearchParams } | null> {
  let frame: PageFrame = { title: 'tspaas' };
  try {
    const found = await sessionOf(dash, ctx);
    if (found === null || 'ended' in found) {
      ctx.status = 401;
      const why = found === null ? 'log in again.' : `${found.ended}. Log in again.`;
      dash.render(ctx, 'error', { ...frame, title: 'Logged out' }, { status: 401, message: `Your session has ended: ${why}` });
      return null;
    }
    frame = { ...frame, user: found.caller.user };
    const form = await readForm(ctx);
    checkCsrf(ctx, form, found.token);
    return { session: found, form };
  } catch (err) {
    showError(dash, ctx, err, frame);
    return null;
  }
}

/** An error page with the status of the error's kind. */
export function showError(dash: Dashboard, ctx: Context, err: unknown, frame: PageFrame): void {
  ctx.status = STATUS_OF_KIND[kindOf(err)];
  dash.render(ctx, 'error', { ...frame, title: 'Error' }, { status: ctx.status, message: messageOf(dash, err) });
}

/** What a user may read of an error: its message, but never an internal one's (that one is logged). */
function messageOf(dash: Dashboard, err: unknown): string {
  if (kindOf(err) !== 'Internal') return (err as Error).message;
  dash.deps.log.error({ err }, 'dashboard request failed');
  return 'Something went wrong.';
}

/** `/dashboard/teams/<name>`. */
export const teamPath = (name: string): string => `/dashboard/teams/${encodeURIComponent(name)}`;

/** `/dashboard/apps/<name>`. */
export const appPath = (name: string): string => `/dashboard/apps/${encodeURIComponent(name)}`;

/**
 * What handlers share: the router's type, the caller of a request and the
 * app or team it names (found by the route's role check, api/roles.ts).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { internal, unauthorized } from '../../lib/errors.js';
import type { App, Caller, PlatformDeps, Team } from '../types.js';

export interface ApiState {
  caller?: Caller;
  /** The `:app` of the route, once its role check found it. */
  app?: App;
  /** The `:team` of the route, once its role check found it. */
  team?: Team;
}

export type ApiRouter = Router<ApiState>;

/** What routes get besides PlatformDeps. */
export interface ApiOptions {
  /** tspaas's version, for /v1/status and the OpenAPI document. */
  version: string;
}

export type ApiDeps = PlatformDeps & { api: ApiOptions };

/** The authenticated caller of the request (set by the auth middleware). */
export function callerOf(ctx: Context): Caller {
  const caller = (ctx.state as ApiState).caller;
  if (!caller) throw unauthorized('missing token');
  return caller;
}

/** The app named by `:app`, found by the route's role check (NotFound, Forbidden: never reaches the handler). `_deps` is kept for the handlers' calls. */
export function appOf(ctx: Context, _deps?: Pick<PlatformDeps, 'db'>): Promise<App> {
  const app = (ctx.state as ApiState).app;
  if (!app) return Promise.reject(internal(`${ctx.method} ${ctx.path}: the route's role check found no app`));
  return Promise.resolve(app);
}

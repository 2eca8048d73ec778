/**
 * What handlers share: the router's type, the caller of a request and the
 * app it names (through the ownership check).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { unauthorized } from '../../lib/errors.js';
import { findApp } from '../auth/ownership.js';
import type { App, Caller, PlatformDeps } from '../types.js';

export interface ApiState { caller?: Caller }

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

/** The app named by `:app`, if the caller may see it (NotFound otherwise). */
export function appOf(ctx: Context & { params: Record<string, string> }, deps: Pick<PlatformDeps, 'db'>): Promise<App> {
  return findApp(deps.db, callerOf(ctx), ctx.params.app);
}

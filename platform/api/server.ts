/**
 * The platform's HTTP API (koa): JSON under /v1, the dashboard, and the
 * WebSocket of `tspaas run`. It never listens itself: tspaasd mounts
 * `callback()` and `handleUpgrade()` on its one listener.
 */
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { notFound, unauthorized } from '../../lib/errors.js';
import { authenticateToken } from '../auth/tokens.js';
import { dashboardRouter } from '../dashboard/index.js';
import type { PlatformDeps } from '../types.js';
import type { ApiDeps, ApiOptions, ApiState } from './context.js';
import { errorMiddleware } from './errors.js';
import { checkRequestTarget } from '../input.js';
import { clientAddress } from '../client-address.js';
import { accountRoutes } from './routes/account.js';
import { appRoutes } from './routes/apps.js';
import { auditRoutes } from './routes/audit.js';
import { domainRoutes } from './routes/domains.js';
import { loginLinkRoutes } from './routes/login-links.js';
import { processRoutes } from './routes/processes.js';
import { quotaRoutes } from './routes/quotas.js';
import { registryLoginRoutes } from './routes/registry-logins.js';
import { streamRoutes } from './routes/streams.js';
import { teamRoutes } from './routes/teams.js';
import { tokenRoutes } from './routes/tokens.js';
import { guardRoutes } from './roles.js';
import { createRunBridge } from './run-socket.js';
import { API_PREFIX } from './types.js';

export interface Api {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

/** Paths answered without a token. */
const PUBLIC = new Set([`${API_PREFIX}/health`, `${API_PREFIX}/openapi.json`]);

/** Build the API on the platform's parts (`opts.version` is shown by /v1/status and the OpenAPI document). */
export function createApi(deps: PlatformDeps, opts: Partial<ApiOptions> = {}): Api {
  const apiDeps: ApiDeps = { ...deps, api: { version: opts.version ?? '0.0.0' } };
  const app = new Koa();
  app.on('error', (err: unknown) => deps.log.warn({ err }, 'API response failed'));
  const v1 = v1Router(apiDeps);
  const dashboard = dashboardRouter(deps);
  app.use(errorMiddleware(deps.log));
  app.use(checkTarget);
  app.use(dashboard.routes());
  app.use(authenticate(deps));
  app.use(v1.routes());
  app.use((ctx) => { throw notFound(`no such path: ${ctx.method} ${ctx.path}`); });
  const run = createRunBridge(deps);
  return {
    callback: () => app.callback(),
    handleUpgrade: (req, socket, head) => { void run.handleUpgrade(req, socket, head); },
    close: () => run.close(),
  };
}

/** The /v1 routes, each behind the check of the role its operation declares (exported for the OpenAPI drift test). */
export function v1Router(deps: ApiDeps): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: API_PREFIX });
  accountRoutes(router, deps);
  teamRoutes(router, deps); // issue 17 part 2
  tokenRoutes(router, deps); // issue 17 part 3
  appRoutes(router, deps);
  processRoutes(router, deps);
  streamRoutes(router, deps);
  domainRoutes(router, deps);
  registryLoginRoutes(router, deps); // issue 14 part R
  auditRoutes(router, deps); // issue 17 part 4
  quotaRoutes(router, deps); // issue 17 part 1
  loginLinkRoutes(router, deps); // issue 17: `tspaas dashboard`
  guardRoutes(router, deps); // last: every route registered above gets its declared role's check
  return router;
}

/** Every request's path and query must be UTF-8 without NUL (input.ts), before any route reads them. */
async function checkTarget(ctx: Context, next: Next): Promise<void> {
  checkRequestTarget(ctx.req.url ?? '');
  await next();
}

/** Resolve the caller of every /v1 request but the public ones, with the client's address. */
function authenticate(deps: PlatformDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path.startsWith(`${API_PREFIX}/`) && !PUBLIC.has(ctx.path)) {
      const token = /^Bearer (\S+)$/.exec(ctx.get('Authorization'))?.[1];
      if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
      const caller = await authenticateToken(deps.db, token);
      (ctx.state as ApiState).caller = { ...caller, address: clientAddress(ctx.req, deps.config.trustedProxies) }; // issue 17: for the audit log
    }
    await next();
  };
}

/**
 * Request dispatch: strip the `/v1.NN` prefix, find the route, run its
 * handler, and turn whatever it throws into Docker's error reply.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import { notFound } from '../../lib/errors.js';
import type { ApiContext, Exchange, Handler, Route, UpgradeState } from './exchange.js';
import { sendError } from './http/errors.js';
import { splitVersion, API_VERSION } from './http/version.js';

export type Dispatch = (req: IncomingMessage, res: ServerResponse, upgrade: UpgradeState | null) => Promise<void>;

/** Build the dispatcher for a route table. */
export function createDispatcher(ctx: ApiContext, routes: Route[]): Dispatch {
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 });
  for (const r of routes) router.on(r.method, r.path, () => {}, { handler: r.handler });
  return async (req, res, upgrade) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const ex: Exchange = { ctx, req, res, params: {}, query: url.searchParams, apiVersion: API_VERSION, upgrade, hijacked: false };
    try {
      const { version, path } = splitVersion(url.pathname);
      const found = router.find(req.method as FindMyWay.HTTPMethod, path);
      if (!found) throw notFound('page not found');
      const handler = (found.store as { handler: Handler }).handler;
      ex.params = found.params;
      ex.apiVersion = version;
      await handler(ex);
    } catch (err) {
      sendError(ex, err);
    }
  };
}

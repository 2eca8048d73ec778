/**
 * Request dispatch: strip the `/v1.NN` prefix, find the route, run its
 * handler, and turn whatever it throws into Docker's error reply.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import { notFound } from '../../lib/errors.js';
import type { ApiContext, ApiCall, Handler, Route, UpgradeState } from './api-call.js';
import { sendError } from './http/errors.js';
import { splitVersion, API_VERSION } from './http/version.js';

export type Dispatch = (req: IncomingMessage, res: ServerResponse, upgrade: UpgradeState | null) => Promise<void>;

/** Build the dispatcher for a route table. */
export function createDispatcher(ctx: ApiContext, routes: Route[]): Dispatch {
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 });
  for (const r of routes) router.on(r.method, r.path, () => {}, { handler: r.handler });
  return async (req, res, upgrade) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const call: ApiCall = { ctx, req, res, params: {}, query: url.searchParams, apiVersion: API_VERSION, upgrade, hijacked: false };
    try {
      const { version, path } = splitVersion(url.pathname);
      const found = router.find(req.method as FindMyWay.HTTPMethod, path);
      if (!found) throw notFound('page not found');
      const handler = (found.store as { handler: Handler }).handler;
      call.params = found.params;
      call.apiVersion = version;
      await handler(call);
    } catch (err) {
      sendError(call, err);
    }
  };
}

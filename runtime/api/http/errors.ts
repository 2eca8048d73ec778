/**
 * The Engine API's errors: the status of the kind from the one table both
 * edges share (lib/http-status.ts, Docker's own), the body Docker's
 * `{"message": …}`; internal errors are logged and answered with a generic
 * message so that no internals leak to clients.
 */
import { kindOf } from '../../../lib/errors.js';
import { STATUS_OF_KIND } from '../../../lib/http-status.js';
import type { ApiCall } from '../api-call.js';

export const INTERNAL_MESSAGE = 'internal error; see the engine log for details';

/** HTTP status and client-visible message of any thrown value (`message` is null when no body is sent). */
export function httpErrorOf(err: unknown): { status: number; message: string | null } {
  const kind = kindOf(err);
  const status = STATUS_OF_KIND[kind];
  if (kind === 'NotModified') return { status, message: null };
  if (kind === 'Internal') return { status, message: INTERNAL_MESSAGE };
  return { status, message: (err as Error).message };
}

/** Reply to `call` with the error; when the reply has already started, close the connection instead. */
export function sendError(call: ApiCall, err: unknown): void {
  const { status, message } = httpErrorOf(err);
  if (kindOf(err) === 'Internal') call.ctx.log.error({ err, method: call.req.method, url: call.req.url }, 'engine API request failed');
  const { res } = call;
  if (call.hijacked || res.headersSent) {
    (call.upgrade?.socket ?? res.socket)?.destroy();
    return;
  }
  if (message === null || call.req.method === 'HEAD') {
    res.writeHead(status).end();
    return;
  }
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

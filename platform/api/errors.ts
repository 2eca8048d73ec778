/**
 * The platform API's errors: the status of the kind from the one table both
 * edges share (lib/http-status.ts), the body `{error: {kind, message, hint}}`
 * (platform/api/types.ts). Internal errors are logged with their details;
 * clients get a generic body.
 */
import type { Logger } from 'pino';
import type { Context, Next } from 'koa';
import { kindOf, type ErrorKind } from '../../lib/errors.js';
import { STATUS_OF_KIND } from '../../lib/http-status.js';
import type { ApiError } from './types.js';

const HINTS: Partial<Record<ErrorKind, string>> = {
  Unauthorized: 'log in again with `tspaas login` (or pass a valid token)',
};

/** The status and body for any thrown value. */
export function errorResponse(err: unknown, log: Logger): { status: number; body: ApiError } {
  const kind = kindOf(err);
  if (kind === 'Internal') log.error({ err }, 'internal error in the API');
  const message = kind === 'Internal' ? 'internal error' : (err as Error).message;
  const hint = HINTS[kind];
  return { status: STATUS_OF_KIND[kind], body: { error: { kind, message, ...(hint ? { hint } : {}) } } };
}

/** Koa middleware: catches what handlers throw and answers with the JSON error body. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const { status, body } = errorResponse(err, log);
      if (kindOf(err) === 'Unauthorized') ctx.set('WWW-Authenticate', 'Bearer');
      ctx.status = status;
      ctx.body = body;
    }
  };
}

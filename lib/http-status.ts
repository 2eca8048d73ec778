/**
 * The one table between error kinds (errors.ts) and HTTP statuses, used by
 * both HTTP edges (the Engine API, runtime/api/http/errors.ts, and the
 * platform API, platform/api/errors.ts) and, read backwards, by the CLI's
 * clients of both. It is Docker's own table (moby's errdefs
 * `GetHTTPErrorStatusCode` and `FromStatusCode`), so the Engine API answers
 * the statuses Docker clients expect: 404 no such container, 409 conflict,
 * 304 not modified, 503 when a dependency is missing or failing.
 * The core never imports this file: only edges speak HTTP.
 */
import type { ErrorKind } from './errors.js';

/** The status each kind is answered with. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  NotModified: 304,
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Internal: 500,
  Unavailable: 503,
});

const KIND_OF_STATUS: ReadonlyMap<number, ErrorKind> = new Map(
  (Object.entries(STATUS_OF_KIND) as [ErrorKind, number][]).map(([kind, status]) => [status, kind]),
);

/**
 * The kind an unsuccessful status stands for: the inverse of STATUS_OF_KIND;
 * a status outside the table is Invalid when 4xx and Internal otherwise
 * (as moby's `FromStatusCode` does with other 4xx and 5xx).
 */
export function kindOfStatus(status: number): ErrorKind {
  return KIND_OF_STATUS.get(status) ?? (status >= 400 && status < 500 ? 'Invalid' : 'Internal');
}

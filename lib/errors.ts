/**
 * Error kinds shared by every subsystem.
 *
 * The core throws `TspaasError`s carrying a stable `kind` and, where there is
 * one, the underlying `cause`. Only the edges (the Engine API, the platform
 * API, the CLI) turn a kind into an HTTP status or an exit message; the core
 * never knows about HTTP. Anything that is not a `TspaasError` is an internal
 * error and its message is not shown to API clients.
 */

export type ErrorKind =
  | 'NotFound'      // the named thing does not exist
  | 'Conflict'      // the thing exists, or is in a state that forbids the operation
  | 'Invalid'       // the request itself is malformed or refers to impossible values
  | 'Unauthorized'  // the caller is not known (no or unknown credentials)
  | 'Forbidden'     // the caller may not do this
  | 'NotModified'   // nothing to do (e.g. start of a running container)
  | 'Unavailable'   // a dependency (runtime binary, kernel feature) is missing or failing
  | 'Internal';     // a bug or an unexpected system failure

export class TspaasError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = `${kind}Error`;
  }
}

/** The named thing does not exist. */
export const notFound = (message: string, cause?: unknown) => new TspaasError('NotFound', message, { cause });
/** The thing exists already, or its state forbids the operation. */
export const conflict = (message: string, cause?: unknown) => new TspaasError('Conflict', message, { cause });
/** The input is malformed. */
export const invalid = (message: string, cause?: unknown) => new TspaasError('Invalid', message, { cause });
/** The caller is not known: no credentials, or unknown ones. */
export const unauthorized = (message: string, cause?: unknown) => new TspaasError('Unauthorized', message, { cause });
/** The caller may not do this. */
export const forbidden = (message: string, cause?: unknown) => new TspaasError('Forbidden', message, { cause });
/** Nothing to do: the request is already satisfied. */
export const notModified = (message: string, cause?: unknown) => new TspaasError('NotModified', message, { cause });
/** A dependency outside our code failed or is missing. */
export const unavailable = (message: string, cause?: unknown) => new TspaasError('Unavailable', message, { cause });
/** An unexpected failure; the message is for logs, not for clients. */
export const internal = (message: string, cause?: unknown) => new TspaasError('Internal', message, { cause });

/** The kind of any thrown value; non-tspaas errors are `Internal`. */
export function kindOf(err: unknown): ErrorKind {
  return err instanceof TspaasError ? err.kind : 'Internal';
}

/** True when `err` is a TspaasError of the given kind. */
export function isKind(err: unknown, kind: ErrorKind): boolean {
  return err instanceof TspaasError && err.kind === kind;
}

/**
 * `call()`, or undefined when it fails with one of `kinds` ("nothing to do":
 * a container already gone, a network already there). Some calls throw
 * before they return a promise, so `.catch` alone would miss those.
 */
export async function unless<T>(kinds: ErrorKind[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (kinds.some((k) => isKind(err, k))) return undefined;
    throw err;
  }
}

/** True when `err` is a Node system error with the given code (ENOENT, EEXIST…). */
export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

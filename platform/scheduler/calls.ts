/**
 * Engine calls whose failure of some kinds means "nothing to do" (a container
 * already gone, a network already removed). Some engine methods throw before
 * they return a promise, so `.catch` alone would miss those: these wrap both.
 */
import { isKind, type ErrorKind } from '../../lib/errors.js';

/** `call()`, or undefined when it fails with one of `kinds`. */
export async function unless<T>(kinds: ErrorKind[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (kinds.some((k) => isKind(err, k))) return undefined;
    throw err;
  }
}

/** `call()`, whatever its failure (for clean-ups after another error). */
export async function quietly(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // The first error is the one worth reporting.
  }
}

/**
 * Engine calls whose failure does not matter: clean-ups after another error.
 * (Calls whose failure of some kinds means "nothing to do" use `unless` of
 * lib/errors.ts.) Some engine methods throw before they return a promise, so
 * `.catch` alone would miss those: this wraps both.
 */

/** `call()`, whatever its failure (for clean-ups after another error). */
export async function quietly(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // The first error is the one worth reporting.
  }
}

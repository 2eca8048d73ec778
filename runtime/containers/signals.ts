/** Signals as users name them (`TERM`, `SIGTERM`, `15`) → the runtime's `SIGTERM`. */
import os from 'node:os';
import { invalid } from '../../lib/errors.js';

const BY_NUMBER = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

/** Normalize a signal name or number; `Invalid` for unknown ones. */
export function normalizeSignal(sig: string | undefined, fallback = 'SIGKILL'): string {
  if (!sig) return fallback;
  if (/^\d+$/.test(sig)) {
    const name = BY_NUMBER.get(Number(sig));
    if (!name) throw invalid(`Invalid signal: ${sig}`);
    return name;
  }
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  if (!(name in os.constants.signals)) throw invalid(`Invalid signal: ${sig}`);
  return name;
}

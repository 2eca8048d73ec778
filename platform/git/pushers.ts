/**
 * Who is pushing what: the receiver remembers the caller of each accepted
 * push by (app, commit) for a short while, and the hook bridge takes it back
 * when the pre-receive hook of that push calls in. A hook call nobody
 * remembers (not a push this daemon accepted) is refused.
 */
import type { Caller } from '../types.js';

export interface Pushers {
  /** Remember that `caller` pushes `commit` to `app`. */
  remember(app: string, commit: string, caller: Caller): void;
  /** The caller who pushed `commit` to `app` (forgotten once taken), or null. */
  take(app: string, commit: string): Caller | null;
}

/** A map whose entries expire after `ttlMs` (default 10 minutes: the time a pack may take to upload). */
export function createPushers(ttlMs = 10 * 60_000): Pushers {
  const entries = new Map<string, { caller: Caller; expires: number }>();
  const prune = (now: number) => {
    for (const [k, v] of entries) if (v.expires <= now) entries.delete(k);
  };
  return {
    remember(app, commit, caller) {
      const now = Date.now();
      prune(now);
      entries.set(`${app}\0${commit}`, { caller, expires: now + ttlMs });
    },
    take(app, commit) {
      prune(Date.now());
      const key = `${app}\0${commit}`;
      const entry = entries.get(key);
      entries.delete(key);
      return entry?.caller ?? null;
    },
  };
}

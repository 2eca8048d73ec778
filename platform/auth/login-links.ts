/**
 * One-time dashboard login links (`tspaas dashboard`): the API hands a
 * caller a link that logs a browser in as the token that asked for it. A
 * link works once and for LINK_TTL_MS; only its SHA-256 is kept, in memory
 * (a link is for the next minute, not worth a table: a restart of tspaasd
 * forgets the links, never a session). The browser's session is then that
 * token, so revoking the token ends it too.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Where the links point: `<public URL>/dashboard/login/link/<code>` (the dashboard answers there). */
export const LOGIN_LINK_PATH = '/dashboard/login/link';

/** How long a link stays usable. */
export const LINK_TTL_MS = 60_000;

interface Pending { token: string; expiresAt: number }

/** The links of one platform (one per database pool, so test platforms in one process never share). */
const pendingByPlatform = new WeakMap<object, Map<string, Pending>>();

function pendingOf(platform: object): Map<string, Pending> {
  let pending = pendingByPlatform.get(platform);
  if (!pending) pendingByPlatform.set(platform, pending = new Map());
  return pending;
}

const digest = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');

/** A new one-time code that logs in as `token`; expired codes are dropped on the way. */
export function createLoginCode(platform: object, token: string, now = Date.now()): { code: string; expiresAt: Date } {
  const pending = pendingOf(platform);
  for (const [key, p] of pending) if (p.expiresAt <= now) pending.delete(key);
  const code = randomBytes(24).toString('base64url');
  const expiresAt = now + LINK_TTL_MS;
  pending.set(digest(code), { token, expiresAt });
  return { code, expiresAt: new Date(expiresAt) };
}

/** The token a code stands for, once: the code is gone afterwards; null when unknown, used or expired. */
export function redeemLoginCode(platform: object, code: string, now = Date.now()): string | null {
  const pending = pendingOf(platform);
  const key = digest(code);
  const p = pending.get(key);
  pending.delete(key);
  return p && p.expiresAt > now ? p.token : null;
}

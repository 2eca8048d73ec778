/**
 * API tokens of a user (issue 17, part 3): named, with an optional expiry,
 * revocable; listed without their secrets. A user manages their own (`me`
 * in paths), admins anyone's. auth/tokens.ts refuses a revoked or expired
 * token on every path.
 */
import { conflict, forbidden, invalid, notFound } from '../../lib/errors.js';
import type { CreateToken, NewToken, TokenInfo } from '../api/types.js';
import { issueToken } from '../auth/tokens.js';
import type { Db } from '../db/pool.js';
import { listTokens, revokeTokenRow, type TokenRecord } from '../store/tokens.js';
import { getUserByEmail } from '../store/users.js';
import type { Caller, User } from '../types.js';
import { audit } from './audit.js';

/** The longest expiry a token may have: ten years. */
const MAX_LIFETIME_MS = 10 * 366 * 86_400_000;
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * When a token made `now` with `--expires text` stops working: a duration
 * (`12h`, `30d`, `2w`) from now, or an ISO 8601 date (`2027-01-31`, the
 * start of that day in UTC) or time (`2027-01-31T12:00:00Z`). Invalid for
 * anything else, for a time not in the future, and beyond ten years.
 */
export function parseExpiry(text: string, now = Date.now()): Date {
  const duration = /^([1-9][0-9]{0,5})([hdw])$/.exec(text);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
  if (!duration && Number.isNaN(iso)) throw invalid(`expires "${text}" is neither a duration (12h, 30d, 2w) nor an ISO 8601 date or time (2027-01-31, 2027-01-31T12:00:00Z)`);
  const at = duration ? now + Number(duration[1]) * UNIT_MS[duration[2]] : iso;
  if (at <= now) throw invalid(`expires ${new Date(at).toISOString()} is not in the future`);
  if (at - now > MAX_LIFETIME_MS) throw invalid('a token expires within ten years at most');
  return new Date(at);
}

/** The user a token path names: `me` (or the caller's own email) for anyone, another user for admins only. */
export async function tokenOwner(db: Db, caller: Caller, email: string): Promise<User> {
  if (email === 'me' || email === caller.user.email) return caller.user;
  if (!caller.user.isAdmin) throw forbidden('only admins may see or change the tokens of other users');
  return (await getUserByEmail(db, email)).user;
}

/** A stored token as listed. */
export function tokenInfo(r: TokenRecord, now = Date.now()): TokenInfo {
  const status = r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && Date.parse(r.expiresAt) <= now ? 'expired' : 'active';
  return {
    id: r.id, name: r.name, prefix: r.prefix, description: r.description, createdAt: r.createdAt, expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt, status,
  };
}

/** The user's tokens, newest first, revoked and expired ones included. */
export async function tokensOf(db: Db, caller: Caller, email: string): Promise<TokenInfo[]> {
  const user = await tokenOwner(db, caller, email);
  return (await listTokens(db, user.id)).map((r) => tokenInfo(r));
}

/** A new token for the user (the secret is in the answer only). */
export async function createToken(db: Db, caller: Caller, email: string, body: CreateToken): Promise<NewToken> {
  const user = await tokenOwner(db, caller, email);
  const expiresAt = body.expires === undefined ? null : parseExpiry(body.expires);
  return db.transaction(async (q) => {
    const { record, token } = await issueToken(q, user.id, { name: body.name, description: body.description, expiresAt });
    await audit(q, caller, null, 'tokens.create', { email: user.email, token: record.id, name: record.name, description: record.description, expiresAt: record.expiresAt });
    return { id: record.id, name: record.name, token, description: record.description, createdAt: record.createdAt, expiresAt: record.expiresAt };
  });
}

/** Revoke the user's token named `ref` (its live one of that name, else a revoked one), or with the id `ref`: it is refused from now on. */
export async function revokeToken(db: Db, caller: Caller, email: string, ref: string): Promise<TokenInfo> {
  const user = await tokenOwner(db, caller, email);
  return db.transaction(async (q) => {
    const tokens = await listTokens(q, user.id);
    const named = tokens.filter((t) => t.name === ref || (UUID.test(ref) && t.id === ref.toLowerCase()));
    const token = named.find((t) => t.revokedAt === null) ?? named[0];
    if (!token) throw notFound(`no token named ${ref}`);
    if (!(await revokeTokenRow(q, token.id))) throw conflict(`token ${token.name} was revoked already (at ${token.revokedAt})`);
    await audit(q, caller, null, 'tokens.revoke', { email: user.email, token: token.id, name: token.name });
    return tokenInfo({ ...token, revokedAt: new Date().toISOString() });
  });
}

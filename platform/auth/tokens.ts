/**
 * API tokens: `tsp_` + 32 random bytes in base64url. Only the SHA-256 of a
 * token is stored; a presented token is hashed and looked up. A revoked or
 * expired token is refused at once, on every path that takes one (the API,
 * git over HTTP, the run WebSocket, the dashboard's session), with the
 * reason: it concerns only the token presented, never the user's others.
 */
import { createHash, randomBytes } from 'node:crypto';
import { unauthorized } from '../../lib/errors.js';
import type { Db, Queryable } from '../db/pool.js';
import { findTokenByHash, insertToken, touchToken, type TokenRecord } from '../store/tokens.js';
import type { Caller } from '../types.js';
import { loadCaller } from './callers.js';

export const TOKEN_PREFIX = 'tsp_';

/** SHA-256 of a token's text: what the tokens table keeps. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** What a new token is called and until when it works (`expiresAt` null: never; `name` default: `token-` + 12 random hex digits). */
export interface TokenSpec { name?: string; description?: string; expiresAt?: Date | null }

/** Make a new token for the user; returns its record and the secret (shown once). */
export async function issueToken(q: Queryable, userId: string, spec: TokenSpec = {}): Promise<{ record: TokenRecord; token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const record = await insertToken(q, {
    userId, hash: hashToken(token), prefix: token.slice(0, 8), name: spec.name ?? `token-${randomBytes(6).toString('hex')}`,
    description: spec.description ?? '', expiresAt: spec.expiresAt ?? null,
  });
  return { record, token };
}

/**
 * The caller a token stands for; Unauthorized when it is malformed or unknown
 * ("invalid token"), revoked ("token revoked") or expired ("token expired at
 * <time>"). Used by every entry path (API, git receiver, run WebSocket,
 * dashboard).
 */
export async function authenticateToken(db: Db, token: string): Promise<Caller> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized('invalid token');
  const record = await findTokenByHash(db, hashToken(token));
  if (!record) throw unauthorized('invalid token');
  if (record.revokedAt !== null) throw unauthorized(`token revoked (at ${record.revokedAt})`);
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) throw unauthorized(`token expired at ${record.expiresAt}`);
  if (record.lastUsedAt === null || Date.now() - Date.parse(record.lastUsedAt) > 60_000) await touchToken(db, record.id);
  return loadCaller(db, record.userId);
}

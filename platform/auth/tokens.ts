/**
 * API tokens: `tsp_` + 32 random bytes in base64url. Only the SHA-256 of a
 * token is stored; a presented token is hashed and looked up.
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

/** Make a new token for the user; returns its record and the secret (shown once). */
export async function issueToken(q: Queryable, userId: string, description: string): Promise<{ record: TokenRecord; token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const record = await insertToken(q, userId, hashToken(token), token.slice(0, 8), description);
  return { record, token };
}

/** The caller a token stands for; Unauthorized when it is malformed or unknown. Also used by the git receiver (Basic auth). */
export async function authenticateToken(db: Db, token: string): Promise<Caller> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw unauthorized('invalid token');
  const record = await findTokenByHash(db, hashToken(token));
  if (!record) throw unauthorized('invalid token');
  if (record.lastUsedAt === null || Date.now() - Date.parse(record.lastUsedAt) > 60_000) await touchToken(db, record.id);
  return loadCaller(db, record.userId);
}

/**
 * API tokens: only the SHA-256 of a secret is stored, with its first
 * characters (`prefix`) to name it. auth/tokens.ts makes and checks secrets.
 */
import type { Queryable } from '../db/pool.js';
import { iso } from './rows.js';

export interface TokenRecord { id: string; userId: string; prefix: string; description: string; createdAt: string; lastUsedAt: string | null }

interface TokenRow { id: string; user_id: string; prefix: string; description: string; created_at: Date; last_used_at: Date | null }

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id, userId: r.user_id, prefix: r.prefix, description: r.description, createdAt: iso(r.created_at), lastUsedAt: iso(r.last_used_at),
});

/** Store a token's hash for a user. */
export async function insertToken(q: Queryable, userId: string, hash: Buffer, prefix: string, description: string): Promise<TokenRecord> {
  const res = await q.query<TokenRow>(
    'INSERT INTO tokens (user_id, hash, prefix, description) VALUES ($1, $2, $3, $4) RETURNING *', [userId, hash, prefix, description]);
  return toToken(res.rows[0]);
}

/** The token whose secret hashes to `hash`, or null. */
export async function findTokenByHash(q: Queryable, hash: Buffer): Promise<TokenRecord | null> {
  const res = await q.query<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
  return res.rows.length === 0 ? null : toToken(res.rows[0]);
}

/** Record a use; writes at most once a minute per token, so busy clients cost no write per call. */
export async function touchToken(q: Queryable, id: string): Promise<void> {
  await q.query(
    "UPDATE tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", [id]);
}

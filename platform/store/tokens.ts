/**
 * API tokens: only the SHA-256 of a secret is stored, with its first
 * characters (`prefix`) to name it, a name unique among the user's tokens
 * that are not revoked, an optional expiry and the time it was revoked (a
 * revoked row stays, so listings show it). auth/tokens.ts makes and checks
 * secrets.
 */
import type { Queryable } from '../db/pool.js';
import { iso, translatePgError } from './rows.js';

export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  description: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface TokenRow {
  id: string; user_id: string; name: string; prefix: string; description: string;
  created_at: Date; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null;
}

const COLUMNS = 'id, user_id, name, prefix, description, created_at, expires_at, revoked_at, last_used_at';

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id, userId: r.user_id, name: r.name, prefix: r.prefix, description: r.description, createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at), revokedAt: iso(r.revoked_at), lastUsedAt: iso(r.last_used_at),
});

/** What a new token is: its owner, hash, prefix, name, description and expiry (null: never). */
export interface NewTokenRow { userId: string; hash: Buffer; prefix: string; name: string; description: string; expiresAt: Date | null }

/** Store a token's hash for a user; Conflict when the user has a live token of that name. */
export async function insertToken(q: Queryable, t: NewTokenRow): Promise<TokenRecord> {
  const res = await q.query<TokenRow>(
    `INSERT INTO tokens (user_id, hash, prefix, name, description, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [t.userId, t.hash, t.prefix, t.name, t.description, t.expiresAt])
    .catch((err: unknown) => translatePgError(err, {
      unique: `you already have a token named ${t.name}: pick another name, or revoke that one first`,
      check: 'a token name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    }));
  return toToken(res.rows[0]);
}

/** The token whose secret hashes to `hash` (revoked and expired ones too), or null. */
export async function findTokenByHash(q: Queryable, hash: Buffer): Promise<TokenRecord | null> {
  const res = await q.query<TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE hash = $1`, [hash]);
  return res.rows.length === 0 ? null : toToken(res.rows[0]);
}

/** The user's tokens, newest first (revoked ones included). */
export async function listTokens(q: Queryable, userId: string): Promise<TokenRecord[]> {
  const res = await q.query<TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY created_at DESC, name`, [userId]);
  return res.rows.map(toToken);
}

/** Mark a token revoked now (kept for listings); false when it was revoked already. */
export async function revokeTokenRow(q: Queryable, id: string): Promise<boolean> {
  const res = await q.query('UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return res.rowCount === 1;
}

/** Record a use; writes at most once a minute per token, so busy clients cost no write per call. */
export async function touchToken(q: Queryable, id: string): Promise<void> {
  await q.query(
    "UPDATE tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", [id]);
}

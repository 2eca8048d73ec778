/**
 * The audit log: one row per state-changing call. Details hold names, never
 * secrets or config values.
 */
import type { Queryable } from '../db/pool.js';
import type { AuditEntry } from '../api/types.js';
import { iso } from './rows.js';

export interface AuditRecord {
  teamId: string | null;
  appId: string | null;
  appName: string | null;
  userId: string | null;
  /** `apps.create`, `config.set`, `domains.add`… */
  action: string;
  details?: Record<string, unknown>;
}

/** Append one entry. */
export async function insertAudit(q: Queryable, r: AuditRecord): Promise<void> {
  await q.query(
    'INSERT INTO audit_log (team_id, app_id, app_name, user_id, action, details) VALUES ($1, $2, $3, $4, $5, $6)',
    [r.teamId, r.appId, r.appName, r.userId, r.action, JSON.stringify(r.details ?? {})]);
}

/** The app's entries, newest first. */
export async function listAudit(q: Queryable, appId: string, limit = 100): Promise<AuditEntry[]> {
  const res = await q.query<{ created_at: Date; email: string | null; action: string; details: Record<string, unknown> }>(
    `SELECT l.created_at, u.email, l.action, l.details FROM audit_log l LEFT JOIN users u ON u.id = l.user_id
      WHERE l.app_id = $1 ORDER BY l.id DESC LIMIT $2`, [appId, limit]);
  return res.rows.map((r) => ({ time: iso(r.created_at), user: r.email, action: r.action, details: r.details }));
}

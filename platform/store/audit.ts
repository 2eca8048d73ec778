/**
 * The audit log: one row per change. Details hold names, never secrets or
 * config values. Who, which team and which app are kept as text beside their
 * links (migration 0011), so a row still says them after the user, team or
 * app is deleted.
 */
import type { Queryable } from '../db/pool.js';
import type { AuditEntry } from '../api/types.js';
import { iso } from './rows.js';

export interface AuditRecord {
  teamId: string | null;
  teamName: string | null;
  appId: string | null;
  appName: string | null;
  userId: string | null;
  userEmail: string | null;
  /** The client's IP address (API request, git push, run socket); null for changes the platform made itself. */
  address: string | null;
  /** `apps.create`, `config.set`, `domains.add`… */
  action: string;
  details?: Record<string, unknown>;
}

/** Which rows to read: all of them (`teamIds` null), or those of the teams given and of the user given. */
export interface AuditSelection {
  /** null: every row (admins); else rows of these teams… */
  teamIds: string[] | null;
  /** …and the rows this user made (their own tokens, say), when `teamIds` is not null. */
  userId?: string;
  /** Only rows of an app of this name (kept after it is destroyed). */
  appName?: string;
  /** Only rows of an app by id (the app's own activity, not a former app of the same name). */
  appId?: string;
  /** Only rows of a team of this name (kept after it is deleted). */
  teamName?: string;
  /** Only rows made at or after this time. */
  since?: Date;
  limit: number;
}

/** Append one entry. */
export async function insertAudit(q: Queryable, r: AuditRecord): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (team_id, team_name, app_id, app_name, user_id, user_email, address, action, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [r.teamId, r.teamName, r.appId, r.appName, r.userId, r.userEmail, r.address, r.action, JSON.stringify(r.details ?? {})]);
}

/** The selected entries, newest first. */
export async function selectAudit(q: Queryable, s: AuditSelection): Promise<AuditEntry[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => { args.push(v); return `$${args.length}`; };
  if (s.teamIds !== null) where.push(`(l.team_id = ANY(${arg(s.teamIds)}::uuid[])${s.userId ? ` OR l.user_id = ${arg(s.userId)}` : ''})`);
  if (s.appName !== undefined) where.push(`l.app_name = ${arg(s.appName)}`);
  if (s.appId !== undefined) where.push(`l.app_id = ${arg(s.appId)}`);
  if (s.teamName !== undefined) where.push(`l.team_name = ${arg(s.teamName)}`);
  if (s.since !== undefined) where.push(`l.created_at >= ${arg(s.since)}`);
  const res = await q.query<AuditRow>(
    `SELECT l.created_at, l.user_email, host(l.address) AS address, l.team_name, l.app_name, l.action, l.details FROM audit_log l
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l.created_at DESC, l.id DESC LIMIT ${arg(s.limit)}`, args);
  return res.rows.map((r) => ({
    time: iso(r.created_at), user: r.user_email, address: r.address, team: r.team_name, app: r.app_name, action: r.action, details: r.details,
  }));
}

/** Delete the entries made before `cutoff`; how many went. */
export async function deleteAuditBefore(q: Queryable, cutoff: Date): Promise<number> {
  const res = await q.query('DELETE FROM audit_log WHERE created_at < $1', [cutoff]);
  return res.rowCount ?? 0;
}

interface AuditRow {
  created_at: Date;
  user_email: string | null;
  address: string | null;
  team_name: string | null;
  app_name: string | null;
  action: string;
  details: Record<string, unknown>;
}

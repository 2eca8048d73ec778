/**
 * One audit row per state-changing call, from the caller and the app.
 */
import type { Queryable } from '../db/pool.js';
import type { AuditEntry } from '../api/types.js';
import { insertAudit, listAudit } from '../store/audit.js';
import type { App, Caller } from '../types.js';

/** Record `action` by the caller (on the app, when there is one). Details carry names, never values. */
export async function audit(q: Queryable, caller: Caller | null, app: App | null, action: string, details: Record<string, unknown> = {}): Promise<void> {
  await insertAudit(q, {
    teamId: app?.teamId ?? null, appId: app?.id ?? null, appName: app?.name ?? null, userId: caller?.user.id ?? null, action, details,
  });
}

/** The app's activity: its audit rows, newest first (the API's `/activity` and the dashboard). */
export function appActivity(q: Queryable, app: App, limit?: number): Promise<AuditEntry[]> {
  return listAudit(q, app.id, limit);
}

/**
 * The audit log (issue 17, part 4): one row per change — who (user id and
 * email), what (an action and details that name things, never a config
 * value or a secret), when, from which address (Caller.address), on which
 * team and app — who may read which rows, and how long they are kept.
 */
import { invalid, notFound } from '../../lib/errors.js';
import { parseSince } from '../../lib/since.js';
import type { AuditEntry } from '../api/types.js';
import { APP_NAME, TEAM_NAME } from '../api/schemas.js';
import type { Db, Queryable } from '../db/pool.js';
import { deleteAuditBefore, insertAudit, selectAudit } from '../store/audit.js';
import { listTeams } from '../store/teams.js';
import type { App, Caller } from '../types.js';

/** What a change was made to: an app (and so its team), a team alone, or nothing of a team (users, tokens). */
export type AuditSubject = App | { teamId: string; teamName: string } | null;

/** Rows a query returns when it names no limit, and at most. */
export const AUDIT_LIMIT = { default: 100, max: 1000 };

/** Record `action` by the caller on `subject`. Details carry names, never values. */
export async function audit(q: Queryable, caller: Caller | null, subject: AuditSubject, action: string, details: Record<string, unknown> = {}): Promise<void> {
  const app = subject && 'id' in subject ? subject : null;
  await insertAudit(q, {
    teamId: subject?.teamId ?? null, teamName: subject?.teamName ?? null, appId: app?.id ?? null, appName: app?.name ?? null,
    userId: caller?.user.id ?? null, userEmail: caller?.user.email ?? null, address: caller?.address ?? null, action, details,
  });
}

/** What to read of the log: an app's rows (by name: a destroyed app's too), a team's, rows since a time, at most `limit`. */
export interface AuditFilter {
  app?: string;
  team?: string;
  since?: Date;
  limit?: number;
}

/**
 * The rows the caller may read, newest first: admins every row, others the
 * rows of their teams and the rows they made themselves. A team filter
 * naming a team the caller is not in is NotFound (as for apps).
 */
export async function listAudit(db: Db, caller: Caller, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const limit = filter.limit ?? AUDIT_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT.max) throw invalid(`limit must be a whole number from 1 to ${AUDIT_LIMIT.max}`);
  if (filter.team !== undefined && !caller.user.isAdmin) {
    const mine = await listTeams(db, caller.teamIds);
    if (!mine.some((t) => t.name === filter.team)) throw notFound(`team ${filter.team} not found`);
  }
  return selectAudit(db, {
    teamIds: caller.user.isAdmin ? null : caller.teamIds, userId: caller.user.id,
    appName: filter.app, teamName: filter.team, since: filter.since, limit,
  });
}

/** The activity of one app (this app's rows, not those of a former app of the same name). */
export function appActivity(db: Db, app: App, limit = AUDIT_LIMIT.default): Promise<AuditEntry[]> {
  return selectAudit(db, { teamIds: null, appId: app.id, limit });
}

/** An AuditFilter from query text (`GET /v1/audit`, the dashboard): Invalid naming the parameter that is wrong. */
export function auditFilterOf(query: { app?: string; team?: string; since?: string; limit?: string }, now = Date.now()): AuditFilter {
  if (query.app !== undefined && !new RegExp(APP_NAME).test(query.app)) throw invalid(`app "${query.app}" is not an app name`);
  if (query.team !== undefined && !new RegExp(TEAM_NAME).test(query.team)) throw invalid(`team "${query.team}" is not a team name`);
  if (query.limit !== undefined && !/^[0-9]{1,7}$/.test(query.limit)) throw invalid(`limit "${query.limit}" is not a whole number`);
  return {
    app: query.app, team: query.team,
    since: query.since === undefined ? undefined : parseSince(query.since, 'since', now),
    limit: query.limit === undefined ? undefined : Number(query.limit),
  };
}

/** Delete rows older than `days` days; how many went. */
export async function pruneAudit(db: Db, days: number, now = Date.now()): Promise<number> {
  return deleteAuditBefore(db, new Date(now - days * 86_400_000));
}

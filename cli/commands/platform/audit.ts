/**
 * `tspaas audit [-a APP] [-t TEAM] [--since 2h|ISO] [--limit N]` (issue 17):
 * the audit log (GET /v1/audit), newest first — who changed what, when, from
 * which address, on which team and app. Admins see every row, others their
 * teams' rows and their own. `-a` is never guessed from the git remote: the
 * log of all your teams is the default.
 */
import type { Command } from 'commander';
import { parseSince } from '../../../lib/since.js';
import type { AuditEntry } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { ellipsis, table } from '../../format.js';
import { PlatformError } from '../../platform-client.js';
import { platformAction } from './shared.js';

interface AuditOptions { app?: string; team?: string; since?: string; limit?: string }

/** Add `audit`. */
export function register(program: Command, app: App): void {
  program.command('audit').description('Show the audit log: who changed what, when, from where (admins: everything; others: their teams)')
    .option('-a, --app <app>', 'only this app (a destroyed one too)')
    .option('-t, --team <team>', 'only this team')
    .option('--since <when>', 'only since a duration ago (30m, 2h, 7d) or an ISO time (2026-12-01T10:00:00Z)')
    .option('-n, --limit <n>', 'at most this many rows (default 100, at most 1000)')
    .action(platformAction(app, async (ctx, opts: AuditOptions) => {
      const entries = await (await ctx.platform()).json<AuditEntry[]>('GET', `/audit${auditQuery(opts)}`);
      ctx.print(entries, () => auditTable(entries));
    }));
}

/** The query string; `--since` and `--limit` are checked here so a mistake names the flag. */
export function auditQuery(opts: AuditOptions): string {
  const query = new URLSearchParams();
  if (opts.app) query.set('app', opts.app);
  if (opts.team) query.set('team', opts.team);
  if (opts.since !== undefined) {
    parseSince(opts.since, '--since');
    query.set('since', opts.since.trim());
  }
  if (opts.limit !== undefined) {
    if (!/^[1-9][0-9]{0,3}$/.test(opts.limit) || Number(opts.limit) > 1000) throw new PlatformError('Invalid', `invalid --limit "${opts.limit}": use a whole number from 1 to 1000`);
    query.set('limit', opts.limit);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** TIME (UTC, to the second), USER, ADDRESS, TEAM, APP, ACTION, DETAILS. */
export function auditTable(entries: AuditEntry[]): string {
  if (!entries.length) return 'No audit entries match\n';
  return table(['TIME', 'USER', 'ADDRESS', 'TEAM', 'APP', 'ACTION', 'DETAILS'], entries.map((e) => [
    `${e.time.slice(0, 19).replace('T', ' ')}Z`, e.user ?? '-', e.address ?? '-', e.team ?? '-', e.app ?? '-', e.action, ellipsis(detailsText(e.details), 100),
  ]));
}

/** `set=A,B version=3`: arrays joined by commas, objects as JSON. */
export function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details).map(([k, v]) => {
    const text = Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',')
      : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    return `${k}=${text}`;
  }).join(' ');
}

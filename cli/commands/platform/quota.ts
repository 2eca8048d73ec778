/**
 * `tspaas quota [--team T]` (a team's use against its limits) and
 * `tspaas teams:quota TEAM --apps N …` (admins set them; issue 17, part 1:
 * GET/PATCH/PUT /v1/teams/:team/quota). Values as lib/quota-values.ts reads
 * them: `--memory 4G`, `--cpu 1.5`, `--plans basic,standard-1x`, `none`.
 */
import type { Command } from 'commander';
import { parseQuotaValue, QUOTA_KEYS, type QuotaKey } from '../../../lib/quota-values.js';
import type { SetQuota, Team, TeamQuota } from '../../../platform/api/types.js';
import type { App, CliContext } from '../../context.js';
import { table } from '../../format.js';
import { PlatformError } from '../../platform-client.js';
import { platformAction, seg } from './shared.js';
import { memory } from './tables.js';

/** Add `quota` and `teams:quota`. */
export function register(program: Command, app: App): void {
  program.command('quota').description('Show what your team uses against its quotas')
    .option('-t, --team <team>', 'the team (needed when you are in several)')
    .action(platformAction(app, async (ctx, opts: { team?: string }) => {
      const quota = await (await ctx.platform()).json<TeamQuota>('GET', `/teams/${seg(await teamOf(ctx, opts.team))}/quota`);
      ctx.print(quota, () => quotaTable(quota));
    }));
  const cmd = program.command('teams:quota').description('Set the quotas of a team (admin); with no limit given, show them')
    .argument('<team>');
  for (const [key, { kind }] of Object.entries(QUOTA_KEYS)) cmd.option(`--${key} <${VALUE_NAMES[kind]}>`, `${HELP[key as QuotaKey]} (none: unlimited)`);
  cmd.option('--clear', 'remove every limit first (the ones given are then set)')
    .action(platformAction(app, async (ctx, team: string, opts: Record<string, string | boolean | undefined>) => {
      const body = limitsOf(opts);
      const api = await ctx.platform();
      const path = `/teams/${seg(team)}/quota`;
      const quota = opts.clear ? await api.json<TeamQuota>('PUT', path, body)
        : Object.keys(body).length ? await api.json<TeamQuota>('PATCH', path, body) : await api.json<TeamQuota>('GET', path);
      ctx.print(quota, () => quotaTable(quota));
    }));
}

const VALUE_NAMES = { count: 'n', bytes: 'size', cores: 'cores', names: 'plans' } as const;

const HELP: Record<QuotaKey, string> = {
  apps: 'apps', processes: 'processes running (formations and one-offs)', memory: 'memory of those processes, like 4G',
  cpu: 'CPU cores of those processes (their plans\' CPU quotas)', plans: 'plans they may run at, separated by commas',
  'build-minutes': 'build minutes a day (UTC)', builds: 'builds at once', disk: 'disk of images and build caches, like 20G',
  domains: 'custom domains',
};

/** The limits the options give, as the API's fields (`--apps none` → null). */
function limitsOf(opts: Record<string, string | boolean | undefined>): SetQuota {
  const body: Record<string, unknown> = {};
  for (const [key, { field }] of Object.entries(QUOTA_KEYS)) {
    const text = opts[camel(key)];
    if (typeof text === 'string') body[field] = parseQuotaValue(key as QuotaKey, text);
  }
  return body as SetQuota;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The team named, or the caller's only one. */
async function teamOf(ctx: CliContext, name: string | undefined): Promise<string> {
  if (name) return name;
  const teams = await (await ctx.platform()).json<Team[]>('GET', '/teams');
  if (teams.length === 1) return teams[0].name;
  throw new PlatformError('Invalid', teams.length === 0 ? 'you are in no team' : 'you are in several teams', 'name one with --team TEAM');
}

/** QUOTA, USED, LIMIT: one line per quota; unlimited ones say so. */
export function quotaTable(q: TeamQuota): string {
  const { limits: l, use: u } = q;
  const lim = (v: number | null, show: (n: number) => string = String) => (v === null ? 'unlimited' : show(v));
  const rows: string[][] = [
    ['apps', String(u.apps), lim(l.apps)],
    ['processes', String(u.processes), lim(l.processes)],
    ['memory', memory(u.memoryBytes), lim(l.memoryBytes, memory)],
    ['cpu', String(u.cpus), lim(l.cpus)],
    ['plans', '', l.plans === null ? 'any' : l.plans.join(', ') || 'none'],
    ['build minutes (today)', String(u.buildMinutes), lim(l.buildMinutes)],
    ['builds (at once)', String(u.builds), lim(l.builds)],
    ['disk', u.diskBytes === null ? 'unknown' : memory(u.diskBytes), lim(l.diskBytes, memory)],
    ['domains', String(u.domains), lim(l.domains)],
  ];
  return `Team ${q.team}\n${table(['QUOTA', 'USED', 'LIMIT'], rows)}`;
}

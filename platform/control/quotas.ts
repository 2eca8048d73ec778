/**
 * Quotas per team (issue 17, part 1) — the contract.
 *
 * Limits: each team may have limits (`QuotaLimits`, platform/types.ts; null =
 * unlimited), kept in `team_quotas` (migration 0010; no row = no limits). A
 * new team gets the operator's defaults (`tspaasd --team-quota KEY=VALUE`,
 * `PlatformConfig.teamQuota`; none unless given, so nothing existing
 * changes). Admins set them (`PUT`/`PATCH /v1/teams/:team/quota`); the
 * team's owners and admins read them with the use (`GET`; auth/roles.ts).
 *
 * Use, as measured here (`QuotaUse`):
 *   apps          the team's apps (those being destroyed no longer count)
 *   processes     Σ quantity of its apps' formations (as `GET formation` shows
 *                 them) + its one-offs while they run (`one_off_runs`)
 *   memoryBytes   Σ quantity × memory of the same
 *   cpus          Σ quantity × the plan's CPU quota in cores of the same
 *   builds        its builds pending or running
 *   buildMinutes  minutes its builds took today (UTC), running ones until now
 *   diskBytes     Builder.diskUsage of each app: images and buildpack caches
 *   domains       custom domains of its apps
 *
 * Admission: every request that would raise a measure passes `admit` in the
 * same transaction as its change, before anything starts (no container, no
 * build, no row left changed):
 *   request       control function                       measures
 *   apps:create   control/apps.ts createApp              apps
 *   scale         deploy/index.ts Deployer.scale         processes, memory, CPU, plans
 *   run           control/one-offs.ts startOneOff        processes, memory, CPU, plans
 *   git push      git/bridge.ts (admitBuild)             builds, build minutes, disk
 *   domains:add   control/domains.ts addDomain           domains
 * `admit` locks the team's row (SELECT … FOR UPDATE), measures, makes the
 * change, measures again and refuses when a limited measure grew past its
 * limit: the error rolls the change back. Two requests of one team queue on
 * the row, so they never both pass a limit between them. A request that
 * lowers a measure or leaves it (scale down) passes even over a limit (one
 * lowered since). Build minutes and disk are refused once used up, before the
 * build is recorded. Plans: a request naming a plan outside `plans` is
 * refused; with a CPU limit, so is a plan without a CPU quota.
 *
 * Error: Forbidden (403), `quota exceeded: team T may <limit>; it <use> and
 * this <request> asks for <more> more`.
 */
import { formatBytes } from '../../lib/bytes.js';
import { forbidden, internal, invalid, isKind } from '../../lib/errors.js';
import type { QuotaUse, SetQuota, TeamQuota } from '../api/types.js';
import { requireAdmin } from '../auth/callers.js';
import { findTeam } from '../auth/ownership.js';
import type { Queryable } from '../db/pool.js';
import { findPlan } from '../plans.js';
import { listApps } from '../store/apps.js';
import {
  buildSecondsToday, countApps, countDomains, countUnfinishedBuilds, getQuota, listOneOffRuns, lockTeamRow, NO_LIMITS, putQuota,
} from '../store/quotas.js';
import { getTeamByName } from '../store/teams.js';
import type { App, Caller, PlatformDeps, Plans, QuotaLimits } from '../types.js';
import { audit } from './audit.js';
import { effectiveFormation } from './formation.js';

/** The measures `admit` counts before and after a change. */
export type Measure = 'apps' | 'processes' | 'memoryBytes' | 'cpus' | 'builds' | 'domains';

/** What a request is, for `admit`. */
export interface QuotaRequest {
  teamId: string;
  /** Its name in messages: `scale`, `run`, `git push`, `apps:create`, `domains:add`. */
  what: string;
  /** The plan table: needed to measure processes, memory and CPU. */
  plans?: Plans;
  /** The plans the request asks its processes or one-off to run at. */
  asked?: string[];
}

/**
 * Run `change` in the transaction `q` under the team's quotas (see the contract above): Forbidden, and
 * the change rolled back with the transaction, when it raised a limited measure past its limit.
 */
export async function admit<T>(q: Queryable, req: QuotaRequest, measures: Measure[], change: () => Promise<T>): Promise<T> {
  const team = await lockTeamRow(q, req.teamId);
  const limits = await getQuota(q, req.teamId);
  if (req.plans) checkPlans(team, limits, req.plans, req);
  const limited = measures.filter((m) => limits[m] !== null);
  if (limited.length === 0) return change();
  const before = await measure(q, req.plans, req.teamId, limited);
  const result = await change();
  const after = await measure(q, req.plans, req.teamId, limited);
  for (const m of limited) {
    if (after[m] > before[m] && after[m] > limits[m]!) throw exceeded(team, m, limits[m]!, before[m], after[m] - before[m], req.what);
  }
  return result;
}

/**
 * A push's build, recorded by `insert` in one transaction when the team has build minutes left today,
 * is under its disk quota (measured first: it asks the Builder) and under its concurrent builds.
 */
export async function admitBuild<T>(deps: Pick<PlatformDeps, 'db' | 'config' | 'builder'>, app: App, insert: (q: Queryable) => Promise<T>): Promise<T> {
  const limits = await getQuota(deps.db, app.teamId);
  if (limits.diskBytes !== null) {
    const used = await teamDiskBytes(deps, app.teamId);
    if (used >= limits.diskBytes) {
      throw forbidden(`quota exceeded: team ${app.teamName} may use ${formatBytes(limits.diskBytes)} of disk; it uses ${formatBytes(used)} ` +
        '(images and build caches) and this git push needs a new build');
    }
  }
  return deps.db.transaction((q) => admit(q, { teamId: app.teamId, what: 'git push' }, ['builds'], async () => {
    await checkBuildMinutes(q, app); // under the team's lock, which admit holds now
    return insert(q);
  }));
}

/** Forbidden when the team's builds took its build minutes of today (UTC) already. */
async function checkBuildMinutes(q: Queryable, app: App): Promise<void> {
  const { buildMinutes } = await getQuota(q, app.teamId);
  if (buildMinutes === null) return;
  const used = await buildSecondsToday(q, app.teamId) / 60;
  if (used >= buildMinutes) {
    throw forbidden(`quota exceeded: team ${app.teamName} may build for ${plural(buildMinutes, 'minute')} a day; ` +
      `it built for ${plural(round(used), 'minute')} today (UTC) and this git push asks for another build`);
  }
}

/** The team's limits and use (admins, and the team's owners; another team is NotFound). */
export async function showQuota(deps: Pick<PlatformDeps, 'db' | 'config' | 'builder' | 'log'>, caller: Caller, teamName: string): Promise<TeamQuota> {
  const team = await findTeam(deps.db, caller, teamName, 'owner');
  const [limits, use] = await Promise.all([getQuota(deps.db, team.id), measureUse(deps, team.id)]);
  return { team: team.name, limits, use };
}

/** Set the team's limits (admin): `replace` (PUT) leaves the fields not given unlimited, else (PATCH) unchanged; null = unlimited. */
export async function setQuota(deps: Pick<PlatformDeps, 'db' | 'config' | 'builder' | 'log'>, caller: Caller, teamName: string,
  body: SetQuota, replace: boolean): Promise<TeamQuota> {
  requireAdmin(caller);
  const plans = body.plans?.map((p) => p.toLowerCase());
  const unknown = plans?.filter((p) => !findPlan(deps.config.plans, p)) ?? [];
  if (unknown.length) throw invalid(`no plan ${unknown.join(', ')} (plans: ${deps.config.plans.list.map((p) => p.name).join(', ')})`);
  await deps.db.transaction(async (q) => {
    const team = await getTeamByName(q, teamName, { lock: true });
    const limits: QuotaLimits = { ...(replace ? NO_LIMITS : await getQuota(q, team.id)), ...body, ...(plans ? { plans } : {}) };
    await putQuota(q, team.id, limits);
    await audit(q, caller, { teamId: team.id, teamName: team.name }, 'teams.quota', { team: team.name, limits });
  });
  return showQuota(deps, caller, teamName);
}

/** Give a new team the operator's default quotas (`--team-quota`), when there are any. */
export async function applyDefaultQuota(q: Queryable, defaults: Readonly<QuotaLimits> | undefined, teamId: string): Promise<void> {
  if (defaults && Object.values(defaults).some((v) => v !== null)) await putQuota(q, teamId, { ...NO_LIMITS, ...defaults });
}

/** Everything the team uses now; disk is null when the Builder cannot measure it (the engine is unavailable). */
async function measureUse(deps: Pick<PlatformDeps, 'db' | 'config' | 'builder' | 'log'>, teamId: string): Promise<QuotaUse> {
  const counted = await measure(deps.db, deps.config.plans, teamId, ALL);
  const buildMinutes = round(await buildSecondsToday(deps.db, teamId) / 60);
  let diskBytes: number | null = null;
  try {
    diskBytes = await teamDiskBytes(deps, teamId);
  } catch (err) {
    if (!isKind(err, 'Unavailable')) throw err;
    deps.log.warn({ err, teamId }, 'cannot measure the disk of a team for its quota');
  }
  return { ...counted, buildMinutes, diskBytes };
}

const ALL: Measure[] = ['apps', 'processes', 'memoryBytes', 'cpus', 'builds', 'domains'];

/** The team's measures `which` now (the others 0). */
async function measure(q: Queryable, plans: Plans | undefined, teamId: string, which: Measure[]): Promise<Record<Measure, number>> {
  const needsPlans = which.some((m) => m === 'processes' || m === 'memoryBytes' || m === 'cpus');
  if (needsPlans && !plans) throw internal('measuring processes, memory or CPU needs the plan table');
  const running = needsPlans ? await measureRunning(q, plans!, teamId) : { processes: 0, memoryBytes: 0, cpus: 0 };
  return {
    ...running,
    apps: which.includes('apps') ? await countApps(q, teamId) : 0,
    builds: which.includes('builds') ? await countUnfinishedBuilds(q, teamId) : 0,
    domains: which.includes('domains') ? await countDomains(q, teamId) : 0,
  };
}

/** Processes, memory and CPU of the team's formations and running one-offs. */
async function measureRunning(q: Queryable, plans: Plans, teamId: string): Promise<Pick<QuotaUse, 'processes' | 'memoryBytes' | 'cpus'>> {
  const sizes: Array<{ quantity: number; plan: string; memoryBytes: number }> = [];
  for (const app of await listApps(q, [teamId])) sizes.push(...await effectiveFormation(q, app, plans));
  for (const run of await listOneOffRuns(q, teamId)) sizes.push({ quantity: 1, ...run });
  const cpusOf = (plan: string) => findPlan(plans, plan)?.cpus ?? 0;
  return {
    processes: sizes.reduce((n, s) => n + s.quantity, 0),
    memoryBytes: sizes.reduce((n, s) => n + s.quantity * s.memoryBytes, 0),
    cpus: round(sizes.reduce((n, s) => n + s.quantity * cpusOf(s.plan), 0)),
  };
}

/** Bytes of the images and build caches of the team's apps (Builder.diskUsage). */
async function teamDiskBytes(deps: Pick<PlatformDeps, 'db' | 'builder'>, teamId: string): Promise<number> {
  let total = 0;
  for (const app of await listApps(deps.db, [teamId])) {
    const { imageBytes, cacheBytes } = await deps.builder.diskUsage(app);
    total += imageBytes + cacheBytes;
  }
  return total;
}

/** Forbidden when the request names a plan the team may not use (or, under a CPU limit, one without a CPU quota). */
function checkPlans(team: string, limits: QuotaLimits, plans: Plans, req: QuotaRequest): void {
  for (const name of new Set(req.asked ?? [])) {
    if (limits.plans !== null && !limits.plans.includes(name)) {
      throw forbidden(`quota exceeded: team ${team} may use ${limits.plans.length ? `plans ${limits.plans.join(', ')}` : 'no plan'}; this ${req.what} asks for ${name}`);
    }
    if (limits.cpus !== null && findPlan(plans, name)?.cpus === 0) {
      throw forbidden(`quota exceeded: team ${team} may use ${plural(limits.cpus, 'CPU')}; this ${req.what} asks for plan ${name}, which has no CPU bound`);
    }
  }
}

/** How each measure reads in a refusal: the limit, the use, the amount. */
const PHRASES: Record<Measure, { may: (n: number) => string; it: string; amount: (n: number) => string }> = {
  apps: { may: (n) => `have ${plural(n, 'app')}`, it: 'has', amount: String },
  processes: { may: (n) => `run ${plural(n, 'process', 'processes')}`, it: 'runs', amount: String },
  memoryBytes: { may: (n) => `use ${formatBytes(n)} of memory`, it: 'uses', amount: formatBytes },
  cpus: { may: (n) => `use ${plural(n, 'CPU')}`, it: 'uses', amount: String },
  builds: { may: (n) => `run ${plural(n, 'build')} at a time`, it: 'runs', amount: String },
  domains: { may: (n) => `have ${plural(n, 'custom domain')}`, it: 'has', amount: String },
};

function exceeded(team: string, m: Measure, limit: number, use: number, more: number, what: string) {
  const p = PHRASES[m];
  return forbidden(`quota exceeded: team ${team} may ${p.may(limit)}; it ${p.it} ${p.amount(use)} and this ${what} asks for ${p.amount(round(more))} more`);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Two decimals at most (CPU sums, minutes). */
function round(n: number): number {
  return Math.round(n * 100) / 100;
}

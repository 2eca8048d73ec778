/**
 * The dashboard's pages (GET): the caller's apps, one app, one build's
 * output, and an app's recent log lines (the live stream is logs.ts).
 * Reads go through the same functions as the API's reads.
 */
import { visibleTeamIds } from '../auth/callers.js';
import { findApp } from '../auth/ownership.js';
import { hasRole } from '../auth/roles.js';
import { followBuildLog } from '../builds/log.js';
import { describeApp } from '../control/apps.js';
import { appActivity } from '../control/audit.js';
import { configAsSeenBy, readConfig } from '../control/config.js';
import { certificatesOf } from '../control/domains.js';
import { listPlans } from '../control/plans.js';
import { listApps } from '../store/apps.js';
import { listDomains } from '../store/domains.js';
import { getAppBuild, listBuilds } from '../store/builds.js';
import { currentRelease, listReleases } from '../store/releases.js';
import { listTeams } from '../store/teams.js';
import type { App, Caller, FormationEntry, LogEntry, PlatformDeps, ProcessInfo } from '../types.js';
import { page, type Dashboard } from './guard.js';

/** Register the pages. */
export function registerPages(dash: Dashboard): void {
  const { deps, render } = dash;
  page(dash, '/dashboard', async (ctx, caller, frame) => {
    const [apps, teams] = await Promise.all([listApps(deps.db, visibleTeamIds(caller)), listTeams(deps.db, visibleTeamIds(caller))]);
    const rows = await Promise.all(apps.map(async (app) => {
      const [info, release, processes] = await Promise.all([describeApp(deps, app), currentRelease(deps.db, app.id), processesOf(deps, app)]);
      return { ...info, status: appStatus(info.currentVersion, info.formation, processes), lastDeploy: release?.finishedAt ?? release?.createdAt ?? null };
    }));
    render(ctx, 'apps', { ...frame, title: 'Apps' }, { apps: rows, teams: teams.map((t) => t.name), severalTeams: teams.length > 1 });
  });
  page(dash, '/dashboard/apps/:app', async (ctx, caller, frame) => {
    const app = await findApp(deps.db, caller, ctx.params.app, 'viewer');
    // A viewer sees the page without its forms, logs and build output, and config values masked (auth/roles.ts).
    const may = { change: hasRole(caller, app.teamId, 'member'), destroy: hasRole(caller, app.teamId, 'owner') };
    const reveal = may.change && typeof ctx.query.reveal === 'string' ? ctx.query.reveal : '';
    render(ctx, 'app', { ...frame, title: app.name }, { ...await appPage(deps, caller, app, reveal), revealed: reveal !== '', may });
  });
  page(dash, '/dashboard/apps/:app/builds/:id', async (ctx, caller, frame) => {
    const app = await findApp(deps.db, caller, ctx.params.app, 'member'); // build output, as logs, needs a member
    const build = await getAppBuild(deps.db, app.id, ctx.params.id);
    const lines: string[] = [];
    await followBuildLog({ db: deps.db, events: deps.events, dataDir: deps.config.dataDir }, build, (l) => lines.push(l), { follow: false });
    render(ctx, 'build', { ...frame, title: `Build ${build.id.slice(0, 8)} of ${app.name}` }, { app: { name: app.name }, build, lines, running: build.finishedAt === null });
  });
  page(dash, '/dashboard/apps/:app/logs', async (ctx, caller, frame) => {
    const app = await findApp(deps.db, caller, ctx.params.app, 'member'); // logs need a member
    const entries: LogEntry[] = [];
    for await (const e of deps.scheduler.logs(app, { follow: false, tail: 200 })) entries.push(e);
    render(ctx, 'logs', { ...frame, title: `Logs of ${app.name}` }, { app: { name: app.name }, entries });
  });
}

/** Everything the app page shows. `reveal`: `all`, or the name of the one config value to show. */
async function appPage(deps: PlatformDeps, caller: Caller, app: App, reveal: string): Promise<Record<string, unknown>> {
  const [info, releases, builds, domains, certificates, config, activity, processes, plans] = await Promise.all([
    describeApp(deps, app), listReleases(deps.db, app.id, 20), listBuilds(deps.db, app.id, 20), listDomains(deps.db, app.id),
    certificatesOf(deps.db, app), readConfig(deps, app), appActivity(deps.db, app, 30), processesOf(deps, app), plansOf(deps),
  ]);
  const buildOf = new Map(builds.map((b) => [b.id, b]));
  return {
    app: info,
    status: appStatus(info.currentVersion, info.formation, processes),
    releases: releases.map((r) => ({ ...r, build: r.buildId ? buildOf.get(r.buildId) ?? { id: r.buildId } : null, current: r.version === info.currentVersion })),
    builds: builds.map((b) => ({ ...b, sourceShort: b.source.slice(0, 7) })),
    formation: info.formation.map((f) => ({ ...f, plans: plans.map((p) => ({ name: p, selected: p === f.plan })) })),
    processes: processes.list,
    processError: processes.error,
    domains,
    certificates,
    config: Object.entries(configAsSeenBy(caller, app, config)).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value, shown: reveal === 'all' || reveal === name })),
    activity: activity.map((a) => ({ ...a, details: describeDetails(a.details) })),
  };
}

/** The app's processes, or why they could not be listed. */
async function processesOf(deps: Pick<PlatformDeps, 'scheduler' | 'log'>, app: App): Promise<{ list: ProcessInfo[]; error: string | null }> {
  try {
    return { list: await deps.scheduler.listProcesses(app), error: null };
  } catch (err) {
    deps.log.warn({ err, app: app.name }, 'dashboard: listing processes failed');
    return { list: [], error: 'processes are unavailable right now' };
  }
}

/** The plan names a scale form offers (the host's view when the scheduler answers, else the configured list). */
async function plansOf(deps: PlatformDeps): Promise<string[]> {
  const plans = await listPlans(deps).catch(() => deps.config.plans.list.map((p) => ({ name: p.name, fits: true })));
  return plans.filter((p) => p.fits).map((p) => p.name);
}

/** One word (and a class) for an app's state: not deployed, running n/m, crashed, stopped, unknown. */
export function appStatus(version: number | null, formation: FormationEntry[], listed: { list: ProcessInfo[]; error: string | null }): { text: string; kind: string } {
  if (version === null) return { text: 'not deployed', kind: 'muted' };
  if (listed.error !== null) return { text: 'unknown (processes are unavailable)', kind: 'muted' };
  const processes = listed.list;
  const wanted = formation.reduce((n, f) => n + f.quantity, 0);
  const up = processes.filter((p) => p.state === 'up').length;
  if (processes.some((p) => p.state === 'crashed')) return { text: `crashed (${up}/${wanted} up)`, kind: 'failed' };
  if (wanted === 0) return { text: 'stopped (scaled to 0)', kind: 'muted' };
  return { text: `running ${up}/${wanted}`, kind: up === wanted ? 'up' : 'starting' };
}

/** An audit row's details as one line (names only: the rows never hold config values). */
export function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
}


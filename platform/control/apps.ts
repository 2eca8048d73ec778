/**
 * Apps: create, describe, list, destroy.
 */
import { invalid, notFound } from '../../lib/errors.js';
import type { AppInfo, CreateApp } from '../api/types.js';
import { visibleTeamIds } from '../auth/callers.js';
import { requireAppRole, requireRole } from '../auth/roles.js';
import { ensureRoute, removeAppFromRouter } from '../routing/hosts.js';
import { insertApp, listApps, markAppDestroying } from '../store/apps.js';
import { currentRelease, lockApp } from '../store/releases.js';
import { deleteAppCertificates, listCertificates } from '../store/certificates.js';
import { deleteAppDomains, listDomains } from '../store/domains.js';
import { listTeams } from '../store/teams.js';
import type { App, Caller, PlatformDeps, TeamRole } from '../types.js';
import { audit } from './audit.js';
import { effectiveFormation } from './formation.js';
import { admit } from './quotas.js';

type Deps = Pick<PlatformDeps, 'db' | 'config'>;

/** Create an app in the named team (or the caller's only team): the member role there, within the team's apps quota. */
export async function createApp(deps: Deps, caller: Caller, body: CreateApp): Promise<App> {
  const teamId = await pickTeam(deps, caller, body.team, 'member');
  return deps.db.transaction((q) => admit(q, { teamId, what: 'apps:create' }, ['apps'], async () => {
    const app = await insertApp(q, body.name, teamId);
    await ensureRoute(q, app.name);
    await audit(q, caller, app, 'apps.create', { name: app.name, team: app.teamName });
    return app;
  }));
}

/**
 * The id of the caller's team called `name`, or of their only team when no
 * name is given, where the caller has at least the role `need` (Forbidden
 * otherwise; also used by registry-logins.ts).
 */
export async function pickTeam(deps: Pick<PlatformDeps, 'db'>, caller: Caller, name: string | undefined, need: TeamRole): Promise<string> {
  const teams = await listTeams(deps.db, visibleTeamIds(caller));
  const own = teams.filter((t) => caller.teamIds.includes(t.id));
  if (name === undefined && own.length !== 1) throw invalid(own.length === 0 ? 'you are in no team' : 'you are in several teams: name one with "team"');
  const team = name === undefined ? own[0] : teams.find((t) => t.name === name);
  if (!team) throw notFound(`team ${name} not found`);
  requireRole(caller, team, need);
  return team.id;
}

/** What `apps:info` shows of an app. */
export async function describeApp(deps: Deps, app: App): Promise<AppInfo> {
  const [release, formation, domains] = await Promise.all([
    currentRelease(deps.db, app.id), effectiveFormation(deps.db, app, deps.config.plans), listDomains(deps.db, app.id),
  ]);
  const port = deps.config.routerPort === 80 ? '' : `:${deps.config.routerPort}`;
  return {
    name: app.name,
    team: app.teamName,
    url: `http://${app.name}.${deps.config.baseDomain}${port}`,
    gitUrl: `${deps.config.publicUrl.replace(/\/+$/, '')}/git/${app.name}.git`,
    currentVersion: release?.version ?? null,
    formation,
    domains: domains.map((d) => d.hostname),
    createdAt: app.createdAt,
  };
}

/** The apps the caller sees, described. */
export async function listAppInfos(deps: Deps, caller: Caller): Promise<AppInfo[]> {
  const apps = await listApps(deps.db, visibleTeamIds(caller));
  return Promise.all(apps.map((app) => describeApp(deps, app)));
}

/**
 * Destroy the app (`confirm` must repeat its name): at once it exists for
 * nobody, the router forgets it and its domains and certificates are free;
 * its erase job (erase.ts) removes the rest and then its name.
 */
export async function destroyApp(deps: Pick<PlatformDeps, 'db' | 'jobs'>, caller: Caller, app: App, confirm: string | undefined): Promise<void> {
  requireAppRole(caller, app, 'owner');
  if (confirm !== app.name) throw invalid(`confirm with ?confirm=${app.name}`);
  await deps.db.transaction(async (q) => {
    await lockApp(q, app.id);
    const certs = await listCertificates(q, app.id);
    await removeAppFromRouter(q, app.name, certs.map((c) => c.name));
    await deleteAppDomains(q, app.id);
    await deleteAppCertificates(q, app.id);
    await markAppDestroying(q, app.id);
    await audit(q, caller, app, 'apps.destroy', { name: app.name });
  });
  await deps.jobs.enqueueErase(app.id);
}

/**
 * Registry logins (issue 14, part R): a team's (or one app's) credentials
 * for a private registry, used by that team's (that app's) Dockerfile builds
 * to pull FROM images there, and by nothing else. The platform does not
 * contact the registry when a login is stored (that would make the host
 * connect where a tenant says): the first build that pulls from it checks
 * the credentials, from the engine, under the rules of scoped builds.
 * Docker Hub is reached only through the operator's registry mirrors, so a
 * login for it is refused.
 */
import { invalid, notFound } from '../../lib/errors.js';
import type { RegistryLogin, SetRegistryLogin } from '../api/types.js';
import { findApp } from '../auth/ownership.js';
import { visibleTeamIds } from '../auth/callers.js';
import type { Queryable } from '../db/pool.js';
import { DOCKER_HUB, registryHost } from '../../lib/registry-hosts.js';
import { buildCredentials, deleteRegistryLogin, listRegistryLogins, upsertRegistryLogin, type LoginOwner } from '../store/registry-logins.js';
import { listTeams } from '../store/teams.js';
import type { App, Caller, PlatformDeps } from '../types.js';
import { pickTeam } from './apps.js';
import { audit } from './audit.js';

type Deps = Pick<PlatformDeps, 'db'>;

const HOST = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$/;

/** A registry host as `docker login` takes it (`https://reg.example.com/v2/` → `reg.example.com`); Invalid for anything else, and for Docker Hub. */
export function loginHost(input: string): string {
  const host = registryHost(input).toLowerCase();
  if (!HOST.test(host)) throw invalid(`"${input}" is not a registry host: use host or host:port, e.g. registry.example.com:5000`);
  if (host === DOCKER_HUB) throw invalid('Docker Hub is reached only through the registry mirrors the operator configures (tspaasd --registry-mirror URL): a login for it is not used');
  return host;
}

/** Where a login belongs: `app` (of the caller's teams), else `team` (or the caller's only team); changing one needs the member role there. */
async function ownerOf(deps: Deps, caller: Caller, where: { team?: string; app?: string }): Promise<{ owner: LoginOwner; app: App | null; team: string }> {
  if (where.app !== undefined) {
    const app = await findApp(deps.db, caller, where.app, 'member');
    if (where.team !== undefined && where.team !== app.teamName) throw invalid(`app ${app.name} is not of team ${where.team}`);
    return { owner: { teamId: app.teamId, appId: app.id }, app, team: app.teamName };
  }
  const teamId = await pickTeam(deps, caller, where.team, 'member');
  const team = (await listTeams(deps.db, [teamId]))[0];
  return { owner: { teamId, appId: null }, app: null, team: team.name };
}

/** Store (or replace) a login; the listing of it (no password). */
export async function setRegistryLogin(deps: Deps, caller: Caller, body: SetRegistryLogin): Promise<RegistryLogin> {
  const host = loginHost(body.host);
  const { owner, app, team } = await ownerOf(deps, caller, body);
  return deps.db.transaction(async (q) => {
    const login = await upsertRegistryLogin(q, owner, host, body.username, body.password);
    await audit(q, caller, app ?? { teamId: owner.teamId, teamName: team }, 'registry-logins.set', { host, username: body.username, team });
    return login;
  });
}

/** Forget a login; NotFound when there is none for that host there. */
export async function removeRegistryLogin(deps: Deps, caller: Caller, hostInput: string, where: { team?: string; app?: string }): Promise<void> {
  const host = loginHost(hostInput);
  const { owner, app, team } = await ownerOf(deps, caller, where);
  await deps.db.transaction(async (q) => {
    if (!(await deleteRegistryLogin(q, owner, host))) throw notFound(`no registry login for ${host} in ${app ? `app ${app.name}` : `team ${team}`}`);
    await audit(q, caller, app ?? { teamId: owner.teamId, teamName: team }, 'registry-logins.remove', { host, team });
  });
}

/** The logins of the caller's teams (admins: of every team), or of the one team named; never a password. */
export async function registryLogins(deps: Deps, caller: Caller, team: string | undefined): Promise<RegistryLogin[]> {
  const teams = await listTeams(deps.db, visibleTeamIds(caller));
  const ids = team === undefined ? teams.map((t) => t.id) : [teams.find((t) => t.name === team)?.id ?? ''];
  if (ids[0] === '') throw notFound(`team ${team} not found`);
  return listRegistryLogins(deps.db, ids);
}

/** The credentials of an app's builds, by registry host (its team's, overridden by its own). */
export async function buildRegistryAuth(q: Queryable, app: App): Promise<Record<string, { username: string; password: string }>> {
  return buildCredentials(q, app.teamId, app.id);
}

/**
 * The admin page (`/dashboard/admin`, admins only: 403 for anyone else):
 * every team with its member and app counts and what it uses (memory, CPU,
 * disk, processes and the containers that run) against the host's capacity
 * (the scheduler's `capacity()`, the data directory's file system), and
 * the users, with forms to create teams and users and to delete a user
 * (typing the email again). The forms call control/accounts.ts as the
 * `/v1/teams` and `/v1/users` routes do (role `admin`).
 */
import { statfs } from 'node:fs/promises';
import { invalid } from '../../lib/errors.js';
import type { CreateTeam, CreateUser, QuotaUse } from '../api/types.js';
import { check } from '../api/validate.js';
import { requireAdmin } from '../auth/callers.js';
import { allUsers, createTeam, createUser, deleteUser } from '../control/accounts.js';
import { showQuota } from '../control/quotas.js';
import { listApps } from '../store/apps.js';
import { listMembers, listTeams } from '../store/teams.js';
import type { Caller, PlatformDeps, Team } from '../types.js';
import { field } from './actions.js';
import { action, page, type Dashboard } from './guard.js';

const ADMIN = '/dashboard/admin';

/** One team's row: counts and use (containers: null when the scheduler cannot list them). */
interface TeamRow { name: string; members: number; apps: number; use: QuotaUse; containers: number | null }

/** Register the admin page and its forms. */
export function registerAdminPages(dash: Dashboard): void {
  const { deps, render } = dash;
  page(dash, ADMIN, async (ctx, caller, frame) => {
    requireAdmin(caller);
    const [teams, users, host] = await Promise.all([
      listTeams(deps.db, null).then((all) => Promise.all(all.map((t) => teamRow(deps, caller, t)))), allUsers(deps.db, caller), hostOf(deps),
    ]);
    const sum = (f: (r: TeamRow) => number | null) => teams.reduce((n, r) => n + (f(r) ?? 0), 0);
    const total = { memoryBytes: sum((r) => r.use.memoryBytes), cpus: Math.round(sum((r) => r.use.cpus) * 100) / 100, diskBytes: sum((r) => r.use.diskBytes),
      processes: sum((r) => r.use.processes), containers: sum((r) => r.containers) };
    render(ctx, 'admin', { ...frame, title: 'Admin' }, { teams, users: users.map((u) => ({ ...u, you: u.id === caller.user.id })), host, total });
  });
  const onAdmin = (path: string, fn: (caller: Caller, form: URLSearchParams) => Promise<string>) => action(dash, `${ADMIN}${path}`, () => ADMIN,
    async (_ctx, caller, form) => { requireAdmin(caller); return { to: ADMIN, notice: await fn(caller, form) }; });

  onAdmin('/teams', async (caller, form) => {
    const { name } = check<CreateTeam>('CreateTeam', { name: field(form, 'name') });
    const team = await createTeam(deps.db, caller, name, deps.config.teamQuota);
    return `Created team ${team.name}.`;
  });
  onAdmin('/users', async (caller, form) => {
    const body = check<CreateUser>('CreateUser', { email: field(form, 'email'), teams: form.getAll('teams'), admin: form.get('admin') === 'yes' });
    const user = await createUser(deps.db, caller, body);
    return `Created ${user.email}${user.teams.length ? ` in ${user.teams.join(', ')}` : ''}: make them a token (tspaas tokens:create as an admin, or POST /v1/users/…/tokens).`;
  });
  onAdmin('/users/delete', async (caller, form) => {
    const email = field(form, 'email');
    if ((form.get('confirm')?.trim() ?? '') !== email) throw invalid(`type ${email} to confirm that the user is to be deleted`);
    await deleteUser(deps.db, caller, email);
    return `Deleted ${email}: their tokens are refused from now on.`;
  });
}

/** A team's counts and use: its quota use (control/quotas.ts) and the containers its apps run now. */
async function teamRow(deps: PlatformDeps, caller: Caller, team: Team): Promise<TeamRow> {
  const [members, apps, quota] = await Promise.all([listMembers(deps.db, team.id), listApps(deps.db, [team.id]), showQuota(deps, caller, team.name)]);
  let containers: number | null = 0;
  try {
    for (const app of apps) containers += (await deps.scheduler.listProcesses(app)).length;
  } catch (err) {
    deps.log.warn({ err, team: team.name }, 'dashboard: counting the containers of a team failed');
    containers = null;
  }
  return { name: team.name, members: members.length, apps: quota.use.apps, use: quota.use, containers };
}

/** The host's capacity: memory and CPUs (the scheduler's), the data directory's disk; null where it cannot be asked. */
async function hostOf(deps: PlatformDeps): Promise<{ memoryBytes: number | null; cpus: number | null; diskBytes: number | null; diskFreeBytes: number | null }> {
  const capacity = await Promise.resolve().then(() => deps.scheduler.capacity()).catch((err: unknown) => {
    deps.log.warn({ err }, 'dashboard: the scheduler\'s capacity is unavailable');
    return null;
  });
  const disk = await statfs(deps.config.dataDir).catch((err: unknown) => {
    deps.log.warn({ err }, 'dashboard: the data directory\'s file system cannot be measured');
    return null;
  });
  return {
    memoryBytes: capacity?.memoryBytes ?? null, cpus: capacity?.cpus ?? null,
    diskBytes: disk ? disk.blocks * disk.bsize : null, diskFreeBytes: disk ? disk.bavail * disk.bsize : null,
  };
}

/**
 * The team page (`/dashboard/teams/:team`) and its forms: members and their
 * roles (owners add, re-role and remove them), the team's quotas and use
 * (owners and admins see them, admins set them), its apps and its activity.
 * Every form finds the team with the role its API route declares
 * (api/openapi.ts) and calls the same control operation.
 */
import { parseQuotaValue, QUOTA_KEYS, type QuotaKey } from '../../lib/quota-values.js';
import { formatBytes } from '../../lib/bytes.js';
import type { AddMember, SetQuota, SetRole, TeamQuota } from '../api/types.js';
import { check } from '../api/validate.js';
import { requireAdmin } from '../auth/callers.js';
import { findTeam } from '../auth/ownership.js';
import { hasRole, TEAM_ROLES } from '../auth/roles.js';
import { listAudit } from '../control/audit.js';
import { addMember, membersOf, removeMember, setMemberRole } from '../control/members.js';
import { setQuota, showQuota } from '../control/quotas.js';
import { listApps } from '../store/apps.js';
import type { Caller, TeamRole } from '../types.js';
import { dropEmpty, field } from './actions.js';
import { action, page, teamPath, type DashContext, type Dashboard, type Done } from './guard.js';
import { describeDetails } from './pages.js';

type TeamAction = (team: string, caller: Caller, form: URLSearchParams) => Promise<Done>;

/** Register the team page and its forms. */
export function registerTeamPages(dash: Dashboard): void {
  const { deps, render } = dash;
  page(dash, '/dashboard/teams/:team', async (ctx, caller, frame) => {
    const team = await findTeam(deps.db, caller, ctx.params.team, 'viewer'); // as GET …/members
    const may = { manage: hasRole(caller, team.id, 'owner'), setQuota: caller.user.isAdmin };
    const [members, apps, quota, activity] = await Promise.all([
      membersOf(deps.db, caller, team.name), listApps(deps.db, [team.id]),
      may.manage ? showQuota(deps, caller, team.name) : null, listAudit(deps.db, caller, { team: team.name, limit: 30 }),
    ]);
    render(ctx, 'team', { ...frame, title: `Team ${team.name}` }, {
      team, may, apps: apps.map((a) => a.name),
      members: members.map((m) => ({ ...m, you: m.email === caller.user.email, roles: rolesFor(m.role) })),
      newRoles: rolesFor('member'),
      quota: quota && quotaRows(quota),
      activity: activity.map((a) => ({ ...a, details: describeDetails(a.details) })),
    });
  });

  // Each form names the role its API route declares (api/openapi.ts); the operation checks it again.
  const onTeam = (path: string, need: TeamRole | 'admin', fn: TeamAction) => action(dash, `/dashboard/teams/:team${path}`, (ctx: DashContext) => teamPath(ctx.params.team),
    async (ctx, caller, form) => {
      if (need === 'admin') requireAdmin(caller);
      const team = await findTeam(deps.db, caller, ctx.params.team, need === 'admin' ? 'viewer' : need);
      return fn(team.name, caller, form);
    });

  onTeam('/members', 'owner', async (team, caller, form) => {
    const body = check<AddMember>('AddMember', dropEmpty({ email: field(form, 'email'), role: form.get('role') ?? '' }));
    const member = await addMember(deps.db, caller, team, body);
    return { to: teamPath(team), notice: `Added ${member.email} to ${team} as ${member.role}.` };
  });
  onTeam('/members/role', 'owner', async (team, caller, form) => {
    const email = field(form, 'email');
    const { role } = check<SetRole>('SetRole', { role: field(form, 'role') });
    await setMemberRole(deps.db, caller, team, email, role);
    return { to: teamPath(team), notice: `${email} is now a${role === 'owner' ? 'n' : ''} ${role} of ${team}.` };
  });
  onTeam('/members/remove', 'owner', async (team, caller, form) => {
    const email = field(form, 'email');
    await removeMember(deps.db, caller, team, email);
    // Who removed themselves may no longer see the team.
    const to = email === caller.user.email && !caller.user.isAdmin ? '/dashboard' : teamPath(team);
    return { to, notice: `Removed ${email} from ${team}.` };
  });
  onTeam('/quota', 'admin', async (team, caller, form) => {
    const body = check<SetQuota>('SetQuota', quotaPatch(form));
    if (Object.keys(body).length === 0) return { to: teamPath(team), notice: 'No quota changed: fill in the limits to change.' };
    await setQuota(deps, caller, team, body, false);
    return { to: teamPath(team), notice: `Set the quotas of ${team}: ${Object.keys(body).join(', ')}.` };
  });
}

/** The role choices of a select, `current` selected. */
function rolesFor(current: TeamRole): Array<{ name: TeamRole; selected: boolean }> {
  return TEAM_ROLES.map((name) => ({ name, selected: name === current }));
}

/** The limits the quota form changes (PATCH): blank fields stay as they are; `none` removes a limit. */
function quotaPatch(form: URLSearchParams): SetQuota {
  const body: Record<string, unknown> = {};
  for (const [key, { field: name }] of Object.entries(QUOTA_KEYS)) {
    const text = form.get(key)?.trim() ?? '';
    if (text !== '') body[name] = parseQuotaValue(key as QuotaKey, text);
  }
  return body as SetQuota;
}

/** One row per quota: its form key, the use and the limit as people read them. */
function quotaRows({ limits: l, use: u }: TeamQuota): Array<{ key: QuotaKey; label: string; use: string; limit: string }> {
  const lim = (v: number | null, show: (n: number) => string = String) => (v === null ? 'unlimited' : show(v));
  return [
    { key: 'apps', label: 'Apps', use: String(u.apps), limit: lim(l.apps) },
    { key: 'processes', label: 'Processes', use: String(u.processes), limit: lim(l.processes) },
    { key: 'memory', label: 'Memory', use: formatBytes(u.memoryBytes), limit: lim(l.memoryBytes, formatBytes) },
    { key: 'cpu', label: 'CPU (cores)', use: String(u.cpus), limit: lim(l.cpus) },
    { key: 'plans', label: 'Plans', use: '', limit: l.plans === null ? 'any' : l.plans.join(', ') || 'none' },
    { key: 'build-minutes', label: 'Build minutes (today, UTC)', use: String(u.buildMinutes), limit: lim(l.buildMinutes) },
    { key: 'builds', label: 'Builds at once', use: String(u.builds), limit: lim(l.builds) },
    { key: 'disk', label: 'Disk (images, build caches)', use: u.diskBytes === null ? 'unknown' : formatBytes(u.diskBytes), limit: lim(l.diskBytes, formatBytes) },
    { key: 'domains', label: 'Custom domains', use: String(u.domains), limit: lim(l.domains) },
  ];
}

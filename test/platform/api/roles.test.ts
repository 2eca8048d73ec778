/**
 * Roles (issue 17, part 2): every operation of the OpenAPI document (fetched
 * from the running API, so a new route is walked as soon as it is
 * documented) called by an admin, a team's owner, member and viewer and by a
 * user of another team, each getting exactly what the operation's declared
 * `x-tspaas-role` allows: allowed → neither 401/403 nor the non-member's 404
 * (parts absent from this harness answer 503, which is past the check);
 * denied → 403 naming the role needed and the caller's; a non-member → the
 * same 404 as for a missing app or team. Then the team routes themselves:
 * members with roles, the last owner kept, masked config for viewers.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { isKind } from '../../../lib/errors.js';
import { findApp } from '../../../platform/auth/ownership.js';
import { authenticateToken } from '../../../platform/auth/tokens.js';
import { destroyApp } from '../../../platform/control/apps.js';
import { patchConfig } from '../../../platform/control/config.js';
import { addDomain } from '../../../platform/control/domains.js';
import { startApi, must, seedRelease, type Reply, type TestApi } from './harness.js';

type Json = Record<string, unknown>;
type Who = 'admin' | 'owner' | 'member' | 'viewer' | 'outsider';
interface Operation { method: string; path: string; role: string; body: string | null; query: string[] }

let api: TestApi;
const tokens = {} as Record<Who, string>;
const emails = {} as Record<Who, string>;
let operations: Operation[];

/** A user `<name>@test` with a token, in `team` with `role` (no team: none). */
async function user(name: string, team?: string, role?: string): Promise<{ email: string; token: string }> {
  const email = `${name}@test`;
  await must(api.call('POST', '/v1/users', { body: { email, teams: [] } }), 201);
  if (team) await must(api.call('POST', `/v1/teams/${team}/members`, { body: { email, role } }), 200);
  const made = (await must(api.call('POST', `/v1/users/${email}/tokens`, { body: { name: 'walk' } }), 201)).body as { token: string };
  return { email, token: made.token };
}

test.before(async () => {
  api = await startApi('api_roles');
  const owner = await api.tenant('crew');
  Object.assign(tokens, { admin: api.adminToken, owner: owner.token });
  Object.assign(emails, { admin: 'admin@localhost', owner: owner.email });
  for (const who of ['member', 'viewer'] as const) {
    const u = await user(who, 'crew', who);
    tokens[who] = u.token;
    emails[who] = u.email;
  }
  await user('spare', 'crew', 'member');
  const outsider = await api.tenant('others');
  tokens.outsider = outsider.token;
  emails.outsider = outsider.email;
  await must(api.call('POST', '/v1/apps', { body: { name: 'walk-app', team: 'crew' } }), 201);
  await seedRelease(api.db, 'walk-app', 1, { current: true, config: { SECRET: 'hunter2', PORT: '5000' } });
  const doc = (await must(api.call('GET', '/v1/openapi.json', { token: null }), 200)).body as { paths: Record<string, Record<string, Json>> };
  operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({
    method: method.toUpperCase(), path, role: op['x-tspaas-role'] as string,
    body: bodyRef(op),
    query: ((op.parameters ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'query').map((p) => p.name),
  })));
});
test.after.always(async () => { await api?.close(); });

function bodyRef(op: Json): string | null {
  const ref = JSON.stringify(op.requestBody ?? null).match(/#\/components\/schemas\/(\w+)/);
  return ref ? ref[1] : null;
}

/**
 * Path parameters: things that exist (so the role check, not a lookup, decides), or for destructive
 * operations names that make an allowed call fail after the check (no member nobody@test, no token no-such).
 */
const PARAMS: Record<string, string> = {
  app: 'walk-app', team: 'crew', version: '1', id: randomUUID(), hostname: 'none.example.com', name: 'none', host: 'reg.example.com', token: 'no-such',
};

/** A valid body of each request schema; an allowed destructive call fails after the check (a member already there, an app name taken). */
const BODIES: Record<string, unknown> = {
  CreateTeam: { name: 'walk-team' },
  AddMember: { email: 'spare@test', role: 'member' },
  SetRole: { role: 'member' },
  CreateUser: { email: 'spare@test', teams: [] },
  CreateToken: {},
  CreateApp: { name: 'walk-new', team: 'crew' },
  ConfigPatch: { A: 'b' },
  Rollback: { version: 1 },
  Scale: { updates: [{ type: 'web', quantity: 1 }] },
  Restart: {},
  RunDetached: { command: ['true'] },
  AddDomain: { hostname: 'walk.example.com' },
  AddCert: { cert: 'not a pem', key: 'not a pem' },
  SetRegistryLogin: { host: 'reg.example.com', username: 'u', password: 'p', team: 'crew' },
  SetQuota: { apps: 50 },
};

/** The email a path's `{email}` names: nobody's for deletions (of users, members), a member's for role changes, else the owner's (so `self` routes are the owner's own). */
function target(op: Operation): string {
  const gone = op.method === 'DELETE' && !op.path.includes('/tokens');
  const email = gone ? 'nobody@test' : op.path.startsWith('/v1/teams/') ? 'spare@test' : emails.owner;
  const path = op.path.replace(/\{(\w+)\}/g, (_m, p: string) => encodeURIComponent(p === 'email' ? email : PARAMS[p]));
  // The audit log's `team` is a filter, not the team whose role is checked: an outsider naming a team is
  // told it does not exist (audit.test.ts); here it reads its own rows, as any user may.
  const query = op.query.includes('team') && op.path !== '/v1/audit' ? '?team=crew' : '';
  return path + query;
}

const RANK: Record<string, number> = { viewer: 1, member: 2, owner: 3 };

/** What the declared role gives `who`: allowed, forbidden, or not found (a non-member, for a team's things). */
function expected(role: string, who: Who): 'allowed' | 'forbidden' | 'not found' {
  if (role === 'public' || role === 'user' || who === 'admin') return 'allowed';
  if (role === 'admin') return 'forbidden';
  if (role === 'self') return who === 'owner' ? 'allowed' : 'forbidden';
  if (!(role in RANK)) throw new Error(`unknown role ${role}`);
  if (who === 'outsider') return 'not found';
  return RANK[who] >= RANK[role] ? 'allowed' : 'forbidden';
}

/** What the reply says happened. */
function outcome(r: Reply): 'allowed' | 'forbidden' | 'not found' | 'unauthorized' {
  const message = (r.body as { error?: { message?: string } }).error?.message ?? '';
  if (r.status === 401) return 'unauthorized';
  if (r.status === 403) return 'forbidden';
  if (r.status === 404 && /^(app walk-app|team crew) not found$/.test(message)) return 'not found';
  return 'allowed';
}

test.serial('every operation of the OpenAPI document, with every role: exactly what its x-tspaas-role allows', async (t) => {
  t.true(operations.length >= 45, `only ${operations.length} operations`);
  const failures: string[] = [];
  const callers: Who[] = ['outsider', 'viewer', 'member', 'owner', 'admin'];
  for (const op of operations) {
    t.truthy(op.role, `${op.method} ${op.path} declares no x-tspaas-role`);
    if (op.body !== null && !(op.body in BODIES)) failures.push(`${op.method} ${op.path}: add a valid ${op.body} body to BODIES`);
    for (const who of callers) {
      const r = await api.call(op.method, target(op), { token: op.role === 'public' ? null : tokens[who], body: op.body === null ? undefined : BODIES[op.body] })
        .catch((err: unknown) => ({ status: 0, headers: {}, body: {}, text: `no answer: ${String((err as Error).cause ?? err)}` }));
      const want = expected(op.role, who);
      const got = outcome(r);
      if (got !== want) failures.push(`${who} ${op.method} ${op.path} (${op.role}): ${want} expected, got ${r.status} ${r.text.slice(0, 200)}`);
      const message = (r.body as { error?: { message?: string } }).error?.message ?? '';
      if (got === 'forbidden' && op.role in RANK && !message.includes(`needs the ${op.role} role in team crew; you are a ${who}`)) {
        failures.push(`${who} ${op.method} ${op.path}: the 403 does not name the roles: ${message}`);
      }
      if (got === 'forbidden' && message.length < 10) failures.push(`${who} ${op.method} ${op.path}: a 403 without a message`);
    }
  }
  t.deepEqual(failures, []);
  // Every route is walked: the document is the router's (openapi.test.ts), and each kind of role occurs.
  t.deepEqual([...new Set(operations.map((o) => o.role))].sort(), ['admin', 'member', 'owner', 'public', 'self', 'user', 'viewer']);
});

test.serial('viewers see config names with masked values, in config and releases; members see the values', async (t) => {
  t.deepEqual((await must(api.call('GET', '/v1/apps/walk-app/config', { token: tokens.viewer }), 200)).body, { SECRET: '••••', PORT: '••••' });
  const [release] = (await must(api.call('GET', '/v1/apps/walk-app/releases', { token: tokens.viewer }), 200)).body as Array<{ config: Json }>;
  t.deepEqual(release.config, { SECRET: '••••', PORT: '••••' });
  t.deepEqual(((await must(api.call('GET', '/v1/apps/walk-app/releases/v1', { token: tokens.viewer }), 200)).body as { config: Json }).config, { SECRET: '••••', PORT: '••••' });
  t.deepEqual((await must(api.call('GET', '/v1/apps/walk-app/config', { token: tokens.member }), 200)).body, { SECRET: 'hunter2', PORT: '5000' });
  t.deepEqual(((await must(api.call('GET', '/v1/apps/walk-app/releases/v1', { token: tokens.owner }), 200)).body as { config: Json }).config, { SECRET: 'hunter2', PORT: '5000' });
});

test.serial('members with roles: owners manage them, the team keeps an owner, teams list the caller\'s role', async (t) => {
  const members = (await must(api.call('GET', '/v1/teams/crew/members', { token: tokens.viewer }), 200)).body;
  t.deepEqual(members, [
    { email: emails.owner, role: 'owner' }, { email: 'member@test', role: 'member' }, { email: 'spare@test', role: 'member' }, { email: 'viewer@test', role: 'viewer' },
  ]);
  t.deepEqual(((await must(api.call('GET', '/v1/teams', { token: tokens.viewer }), 200)).body as Json[]).map((x) => [x.name, x.role]), [['crew', 'viewer']]);
  t.true(((await must(api.call('GET', '/v1/teams'), 200)).body as Json[]).every((x) => x.role === null || x.name === 'admin'), 'admins see every team, with no role where not a member');
  // The last owner can be neither demoted nor removed, by themselves or an admin.
  for (const [method, body] of [['PATCH', { role: 'member' }], ['DELETE', undefined]] as const) {
    const r = await api.call(method, `/v1/teams/crew/members/${emails.owner}`, { token: tokens.owner, body });
    t.is(r.status, 409);
    t.regex(r.text, /last owner of team crew; make another member an owner first/);
    t.is((await api.call(method, `/v1/teams/crew/members/${emails.owner}`, { body })).status, 409, 'not even by an admin');
  }
  // Make spare an owner; then the first owner may step down, and spare runs the team.
  t.deepEqual((await must(api.call('PATCH', '/v1/teams/crew/members/spare@test', { token: tokens.owner, body: { role: 'owner' } }), 200)).body, { email: 'spare@test', role: 'owner' });
  await must(api.call('PATCH', `/v1/teams/crew/members/${emails.owner}`, { token: tokens.owner, body: { role: 'member' } }), 200);
  const demoted = await api.call('DELETE', '/v1/apps/walk-app?confirm=walk-app', { token: tokens.owner });
  t.is(demoted.status, 403, 'the new role counts at once');
  t.regex(demoted.text, /needs the owner role in team crew; you are a member/);
  await must(api.call('PATCH', `/v1/teams/crew/members/${emails.owner}`, { body: { role: 'owner' } }), 200); // an admin gives it back
  // Adding: an unknown user is 404, someone already in is 409, the role is checked by the schema.
  t.is((await api.call('POST', '/v1/teams/crew/members', { token: tokens.owner, body: { email: 'ghost@test' } })).status, 404);
  t.regex((await api.call('POST', '/v1/teams/crew/members', { token: tokens.owner, body: { email: 'member@test' } })).text, /in team crew already/);
  t.is((await api.call('POST', '/v1/teams/crew/members', { token: tokens.owner, body: { email: 'x@test', role: 'boss' } })).status, 400);
  // Removing a member: their calls on the team's apps are 404 from then on.
  await user('leaver', 'crew', 'viewer');
  const leaver = (await must(api.call('POST', '/v1/users/leaver@test/tokens', { body: { name: 'second' } }), 201)).body as { token: string };
  await must(api.call('GET', '/v1/apps/walk-app', { token: leaver.token }), 200);
  t.is((await api.call('DELETE', '/v1/teams/crew/members/leaver@test', { token: tokens.member })).status, 403);
  await must(api.call('DELETE', '/v1/teams/crew/members/leaver@test', { token: tokens.owner }), 204);
  t.is((await api.call('GET', '/v1/apps/walk-app', { token: leaver.token })).status, 404);
  t.regex((await api.call('DELETE', '/v1/teams/crew/members/leaver@test', { token: tokens.owner })).text, /leaver@test is not a member of team crew/);
  const audit = await api.db.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'teams.%' ORDER BY id");
  t.true(['teams.add-member', 'teams.set-role', 'teams.remove-member'].every((a) => audit.rows.some((r) => r.action === a)));
});

test.serial('an owner deletes their team once it has no apps; a member may not; a new team\'s first member is its owner', async (t) => {
  await must(api.call('POST', '/v1/teams', { body: { name: 'solo' } }), 201);
  await must(api.call('POST', '/v1/teams/solo/members', { body: { email: 'member@test' } }), 200);
  await must(api.call('POST', '/v1/teams/solo/members', { body: { email: 'viewer@test' } }), 200);
  t.deepEqual((await must(api.call('GET', '/v1/teams/solo/members'), 200)).body, [{ email: 'member@test', role: 'owner' }, { email: 'viewer@test', role: 'member' }]);
  const second = (await must(api.call('POST', '/v1/users/viewer@test/tokens', { body: { name: 'solo' } }), 201)).body as { token: string };
  const refused = await api.call('DELETE', '/v1/teams/solo', { token: second.token });
  t.is(refused.status, 403);
  t.regex(refused.text, /needs the owner role in team solo; you are a member/);
  await must(api.call('DELETE', '/v1/teams/solo', { token: tokens.member }), 204);
  t.is((await api.call('GET', '/v1/teams/solo/members')).status, 404);
});

test.serial('the operations that change an app check the role again, for callers that found it as a viewer (the dashboard\'s pages)', async (t) => {
  const viewer = await authenticateToken(api.db, tokens.viewer);
  const app = await findApp(api.db, viewer, 'walk-app', 'viewer');
  const refusals = [
    destroyApp(api.deps, viewer, app, 'walk-app'),
    patchConfig(api.deps, viewer, app, { A: 'b' }),
    addDomain(api.db, api.config, viewer, app, 'viewer.example.com'),
  ];
  for (const r of refusals) {
    const err = await t.throwsAsync(r);
    t.true(isKind(err, 'Forbidden'), err?.message);
    t.regex(err?.message ?? '', /needs the (owner|member) role in team crew; you are a viewer/);
  }
  const member = await authenticateToken(api.db, tokens.member);
  t.regex((await t.throwsAsync(destroyApp(api.deps, member, app, 'walk-app')))?.message ?? '', /needs the owner role in team crew; you are a member/);
  t.true(isKind(await t.throwsAsync(findApp(api.db, await authenticateToken(api.db, tokens.outsider), 'walk-app', 'viewer')), 'NotFound'));
});

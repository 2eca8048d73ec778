/**
 * Tokens (issue 17, part 3): named, expiring, revocable, listed without
 * secrets; an expired or revoked token answers 401 with the reason at once
 * on every entry path — the /v1 API, git over HTTP, the run WebSocket and
 * the dashboard's session — and the roles hold on those paths too (git and
 * run need the member role, the dashboard's pages a viewer's).
 */
import test from 'ava';
import WebSocket from 'ws';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
let owner: { email: string; token: string };

test.before(async () => {
  api = await startApi('api_tokens');
  owner = await api.tenant('tok');
  await must(api.call('POST', '/v1/apps', { token: owner.token, body: { name: 'tok-app' } }), 201);
});
test.after.always(async () => { await api?.close(); });

interface TokenInfo { id: string; name: string; prefix: string; status: string; expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null }
interface NewToken { id: string; name: string; token: string; expiresAt: string | null }

const create = async (body: object, token = owner.token) => (await must(api.call('POST', '/v1/users/me/tokens', { token, body }), 201)).body as NewToken;
const list = async (token = owner.token) => (await must(api.call('GET', '/v1/users/me/tokens', { token }), 200)).body as TokenInfo[];
const message = (body: unknown) => (body as { error: { message: string } }).error.message;

test.serial('create with a name and an expiry, list without secrets, revoke by name or id; names are unique among live tokens', async (t) => {
  const before = Date.now();
  const laptop = await create({ name: 'laptop', expires: '30d' });
  t.regex(laptop.token, /^tsp_/);
  const days = (Date.parse(laptop.expiresAt!) - before) / 86_400_000;
  t.true(days > 29.99 && days < 30.01, String(days));
  const day = `${new Date().getUTCFullYear() + 2}-01-31`;
  const ci = await create({ name: 'ci', expires: day });
  t.is(ci.expiresAt, `${day}T00:00:00.000Z`);
  t.is((await create({ name: 'forever' })).expiresAt, null);
  const dup = await api.call('POST', '/v1/users/me/tokens', { token: owner.token, body: { name: 'ci' } });
  t.is(dup.status, 409);
  t.regex(message(dup.body), /already have a token named ci/);
  for (const [expires, why] of [['30x', /neither a duration/], ['2020-01-01', /not in the future/], ['20000d', /ten years/], ['0h', /neither a duration/]] as const) {
    const r = await api.call('POST', '/v1/users/me/tokens', { token: owner.token, body: { name: 'bad', expires } });
    t.is(r.status, 400, expires);
    t.regex(message(r.body), why);
  }
  t.is((await api.call('POST', '/v1/users/me/tokens', { token: owner.token, body: { name: '-no' } })).status, 400);
  await must(api.call('GET', '/v1/whoami', { token: laptop.token }), 200);
  const listed = await list();
  t.false(JSON.stringify(listed).includes(laptop.token), 'no secret in the listing');
  t.like(listed.find((x) => x.name === 'laptop'), { prefix: laptop.token.slice(0, 8), status: 'active', revokedAt: null });
  t.truthy(listed.find((x) => x.name === 'laptop')!.lastUsedAt);
  // Revoke by name, then by id; the second revocation of one is a Conflict; an unknown one 404.
  await must(api.call('DELETE', '/v1/users/me/tokens/laptop', { token: owner.token }), 204);
  await must(api.call('DELETE', `/v1/users/${owner.email}/tokens/${ci.id}`, { token: owner.token }), 204);
  t.regex(message((await api.call('DELETE', '/v1/users/me/tokens/laptop', { token: owner.token })).body), /token laptop was revoked already/);
  t.is((await api.call('DELETE', '/v1/users/me/tokens/nothing', { token: owner.token })).status, 404);
  t.like((await list()).find((x) => x.name === 'laptop'), { status: 'revoked' });
  // A revoked token's name is free again.
  await create({ name: 'laptop' });
  t.deepEqual((await list()).filter((x) => x.name === 'laptop').map((x) => x.status).sort(), ['active', 'revoked']);
  const audit = await api.db.query<{ action: string; details: { name: string } }>("SELECT action, details FROM audit_log WHERE action LIKE 'tokens.%' ORDER BY id");
  t.true(audit.rows.some((r) => r.action === 'tokens.revoke' && r.details.name === 'laptop'));
  t.false(JSON.stringify(audit.rows).includes(laptop.token));
});

test.serial('users manage their own tokens only; admins anyone\'s', async (t) => {
  const other = await api.tenant('tok-other');
  const theirs = await create({ name: 'theirs' }, other.token);
  for (const [method, path] of [['GET', `/v1/users/${other.email}/tokens`], ['POST', `/v1/users/${other.email}/tokens`], ['DELETE', `/v1/users/${other.email}/tokens/theirs`]]) {
    const r = await api.call(method, path, { token: owner.token, body: method === 'POST' ? {} : undefined });
    t.is(r.status, 403, `${method} ${path}`);
    t.regex(message(r.body), /only admins may see or change the tokens of other users/);
  }
  t.true(((await must(api.call('GET', `/v1/users/${other.email}/tokens`), 200)).body as TokenInfo[]).some((x) => x.name === 'theirs'));
  await must(api.call('DELETE', `/v1/users/${other.email}/tokens/theirs`), 204);
  t.is((await api.call('GET', '/v1/whoami', { token: theirs.token })).status, 401);
  t.is((await api.call('GET', '/v1/users/nobody@test/tokens')).status, 404);
});

/** A live token made expired (in the past) in the database, and a revoked one. */
async function deadTokens(): Promise<{ expired: string; revoked: string }> {
  const expired = await create({ expires: '1h' });
  await api.db.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.id]);
  const revoked = await create({});
  await must(api.call('DELETE', `/v1/users/me/tokens/${revoked.name}`, { token: owner.token }), 204);
  return { expired: expired.token, revoked: revoked.token };
}

const WHY = { expired: /token expired at \d{4}-\d\d-\d\dT/, revoked: /token revoked/ };

/** The status (and body) of a run WebSocket upgrade. */
function upgrade(token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${api.port}/v1/apps/tok-app/run`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => { ws.close(); resolve({ status: 101, body: '' }); });
    ws.on('error', (err) => { if (!String(err).includes('Unexpected server response')) reject(err); });
  });
}

/** git's first request of a fetch (or, with receive, of a push). */
const gitRefs = (token: string, service = 'git-upload-pack') => api.call('GET', `/git/tok-app.git/info/refs?service=${service}`,
  { token: null, headers: { authorization: `Basic ${Buffer.from(`tspaas:${token}`).toString('base64')}` } });

async function dashboard(token: string): Promise<{ status: number; text: string; cookie: string }> {
  const r = await api.call('GET', '/dashboard/apps/tok-app', { token: null, headers: { cookie: `tspaas_token=${token}` } });
  return { status: r.status, text: r.text, cookie: String(r.headers['set-cookie'] ?? '') };
}

/** The dashboard's login form posted with `token`, as a browser does (its pre-session cookie and CSRF token). */
async function dashboardLogin(token: string): Promise<{ status: number; text: string }> {
  const form = await api.call('GET', '/dashboard/login', { token: null });
  const cookie = [form.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  const r = await api.call('POST', '/dashboard/login', {
    token: null, raw: new URLSearchParams({ token, csrf }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
  return { status: r.status, text: r.text };
}

test.serial('an expired or revoked token is 401 with the reason on the API, git, the run WebSocket and the dashboard', async (t) => {
  const dead = await deadTokens();
  for (const kind of ['expired', 'revoked'] as const) {
    const token = dead[kind];
    const v1 = await api.call('GET', '/v1/apps', { token });
    t.is(v1.status, 401, `API ${kind}`);
    t.regex(message(v1.body), WHY[kind]);
    t.notRegex(message(v1.body), /other|tokens/, 'nothing about other tokens');
    const git = await gitRefs(token);
    t.is(git.status, 401, `git ${kind}`);
    t.regex(git.text, WHY[kind]);
    const run = await upgrade(token);
    t.is(run.status, 401, `run ${kind}`);
    t.regex(run.body, WHY[kind]);
    const page = await dashboard(token);
    t.is(page.status, 401, `dashboard ${kind}`);
    t.regex(page.text, /Your session ended: token (expired at|revoked)/);
    t.regex(page.cookie, /tspaas_token=;/, 'the session cookie is cleared');
    const login = await dashboardLogin(token);
    t.is(login.status, 401, `dashboard login ${kind}`);
    t.regex(login.text, WHY[kind]);
  }
  // The same paths with a live token get past authentication.
  const live = await create({});
  await must(api.call('GET', '/v1/apps', { token: live.token }), 200);
  t.is((await gitRefs(live.token)).status, 200);
  t.is((await dashboard(live.token)).status, 200);
  t.not((await upgrade(live.token)).status, 401);
  // Revoked while in use: the next request of the same session is refused.
  await must(api.call('DELETE', `/v1/users/me/tokens/${live.name}`, { token: owner.token }), 204);
  t.is((await api.call('GET', '/v1/apps', { token: live.token })).status, 401);
  t.is((await gitRefs(live.token)).status, 401);
  t.is((await dashboard(live.token)).status, 401);
});

test.serial('roles on the other entry paths: git and run need a member, the dashboard\'s app page a viewer; non-members 404', async (t) => {
  await must(api.call('POST', '/v1/users', { body: { email: 'look@test', teams: [] } }), 201);
  await must(api.call('POST', '/v1/teams/tok/members', { token: owner.token, body: { email: 'look@test', role: 'viewer' } }), 200);
  const viewer = ((await must(api.call('POST', '/v1/users/look@test/tokens', { body: {} }), 201)).body as NewToken).token;
  const fetch = await gitRefs(viewer);
  t.is(fetch.status, 403);
  t.regex(fetch.text, /needs the member role in team tok; you are a viewer/);
  t.is((await gitRefs(viewer, 'git-receive-pack')).status, 403);
  const run = await upgrade(viewer);
  t.is(run.status, 403);
  t.regex(run.body, /needs the member role in team tok; you are a viewer/);
  t.is((await dashboard(viewer)).status, 200);
  await must(api.call('PATCH', '/v1/teams/tok/members/look@test', { token: owner.token, body: { role: 'member' } }), 200);
  t.is((await gitRefs(viewer, 'git-receive-pack')).status, 200, 'the new role counts at the next request');
  const outsider = await api.tenant('tok-out');
  t.is((await gitRefs(outsider.token)).status, 404);
  t.is((await upgrade(outsider.token)).status, 404);
  t.is((await dashboard(outsider.token)).status, 404);
});

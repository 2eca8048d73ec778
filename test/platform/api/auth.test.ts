import test from 'ava';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
test.before(async () => { api = await startApi('api_auth'); });
test.after.always(async () => { await api?.close(); });

test('health and the OpenAPI document need no token', async (t) => {
  t.deepEqual((await must(api.call('GET', '/v1/health', { token: null }), 200)).body, { ok: true });
  const doc = (await must(api.call('GET', '/v1/openapi.json', { token: null }), 200)).body as { openapi: string };
  t.is(doc.openapi, '3.1.0');
});

test('no token, a malformed one or an unknown one: 401 with the JSON error body', async (t) => {
  for (const headers of [{} as Record<string, string>, { authorization: 'Basic abc' }, { authorization: 'Bearer tsp_nope' }, { authorization: 'Bearer something' }]) {
    const r = await api.call('GET', '/v1/whoami', { token: null, headers });
    t.is(r.status, 401);
    t.is((r.body as { error: { kind: string } }).error.kind, 'Unauthorized');
    t.is(r.headers['www-authenticate'], 'Bearer');
  }
});

test('the bootstrap token is the admin; whoami shows its teams', async (t) => {
  t.regex(api.adminToken, /^tsp_[A-Za-z0-9_-]{43}$/);
  const me = (await must(api.call('GET', '/v1/whoami'), 200)).body as { email: string; isAdmin: boolean; teams: string[] };
  t.like(me, { email: 'admin@localhost', isAdmin: true, teams: ['admin'] });
});

test('unknown /v1 paths are 404 JSON; malformed JSON and schema violations are 400', async (t) => {
  const r = await api.call('GET', '/v1/nothing-here');
  t.is(r.status, 404);
  t.is((r.body as { error: { kind: string } }).error.kind, 'NotFound');
  const bad = await api.call('POST', '/v1/teams', { raw: '{"name": ' });
  t.is(bad.status, 400);
  t.regex((bad.body as { error: { message: string } }).error.message, /malformed JSON/);
  const extra = await api.call('POST', '/v1/teams', { body: { name: 'ok', color: 'red' } });
  t.is(extra.status, 400);
  t.regex((extra.body as { error: { message: string } }).error.message, /unknown field color/);
  t.is((await api.call('POST', '/v1/teams', { body: { name: 'Not A Label' } })).status, 400);
});

test('teams, users and tokens: admin only, and a user may make their own tokens', async (t) => {
  const alice = await api.tenant('alpha');
  t.is((await api.call('POST', '/v1/teams', { token: alice.token, body: { name: 'mine' } })).status, 403);
  t.is((await api.call('GET', '/v1/users', { token: alice.token })).status, 403);
  t.is((await api.call('POST', '/v1/users', { token: alice.token, body: { email: 'x@test', teams: ['alpha'] } })).status, 403);
  t.is((await api.call('POST', '/v1/teams/admin/members', { token: alice.token, body: { email: alice.email } })).status, 404, 'not her team');
  t.is((await api.call('POST', '/v1/users/admin@localhost/tokens', { token: alice.token, body: {} })).status, 403);
  // Teams: only her own.
  const teams = (await must(api.call('GET', '/v1/teams', { token: alice.token }), 200)).body as Array<{ name: string }>;
  t.deepEqual(teams.map((x) => x.name), ['alpha']);
  // Her own token works, and only its hash is stored.
  const made = (await must(api.call('POST', `/v1/users/${alice.email}/tokens`, { token: alice.token, body: { description: 'laptop' } }), 201)).body as { token: string; description: string };
  t.is(made.description, 'laptop');
  t.like((await must(api.call('GET', '/v1/whoami', { token: made.token }), 200)).body as object, { email: alice.email });
  const hashed = await api.db.query<{ n: string }>("SELECT count(*) AS n FROM tokens WHERE hash = sha256(convert_to($1, 'UTF8'))", [made.token]);
  t.is(hashed.rows[0].n, '1');
  const plain = await api.db.query<{ n: string }>("SELECT count(*) AS n FROM tokens t WHERE t::text LIKE '%' || $1 || '%'", [made.token]);
  t.is(plain.rows[0].n, '0');
  const used = await api.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM tokens WHERE prefix = $1 AND description = $2', [made.token.slice(0, 8), 'laptop']);
  t.truthy(used.rows[0].last_used_at);
  // Admin: duplicates conflict, unknown teams are 404, members are added.
  t.is((await api.call('POST', '/v1/teams', { body: { name: 'alpha' } })).status, 409);
  t.is((await api.call('POST', '/v1/users', { body: { email: 'y@test', teams: ['nope'] } })).status, 404);
  await must(api.call('POST', '/v1/teams', { body: { name: 'beta' } }), 201);
  t.deepEqual((await must(api.call('POST', '/v1/teams/beta/members', { body: { email: alice.email } }), 200)).body, { email: alice.email, role: 'owner' }, 'the first member is the owner');
  t.deepEqual(((await must(api.call('GET', '/v1/whoami', { token: alice.token }), 200)).body as { teams: string[] }).teams, ['alpha', 'beta']);
  const users = (await must(api.call('GET', '/v1/users'), 200)).body as Array<{ email: string }>;
  t.deepEqual(users.map((u) => u.email), ['admin@localhost', 'alpha@test']);
});

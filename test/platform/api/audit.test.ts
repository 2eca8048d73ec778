/**
 * Issue 17, part 4: the audit log through the API. Rows say who (the email
 * stays after the user is deleted), from which address (the socket's peer;
 * X-Forwarded-For only from a trusted proxy), which team and app (names kept
 * after they are deleted); `GET /v1/audit` shows members their teams' rows
 * and their own, admins every row, filtered by app, team, since and limit,
 * with clear errors for bad values; rows older than the retention go.
 */
import test from 'ava';
import { pino } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEntry } from '../../../platform/api/types.js';
import { listAudit, pruneAudit } from '../../../platform/control/audit.js';
import { startAuditRetention } from '../../../platform/jobs/audit-retention.js';
import { loadCaller } from '../../../platform/auth/callers.js';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
let proxied: TestApi;
let a: { team: string; email: string; token: string };
let b: { team: string; email: string; token: string };

test.before(async () => {
  api = await startApi('api_audit');
  // A platform behind a reverse proxy on loopback: the proxy's X-Forwarded-For names the client.
  proxied = await startApi('api_audit_proxy', {}, { trustedProxies: ['127.0.0.0/8'] });
  a = await api.tenant('aud-a');
  b = await api.tenant('aud-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'aud-shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'aud-blog' } }), 201);
  await must(api.call('POST', '/v1/apps/aud-shop/domains', { token: a.token, body: { hostname: 'shop.example.com' } }), 201);
});
test.after.always(async () => { await api?.close(); await proxied?.close(); });

interface ErrorBody { error: { kind: string; message: string } }

const audit = async (query: string, token?: string) => (await must(api.call('GET', `/v1/audit${query}`, { token }), 200)).body as AuditEntry[];

test('a row says who, from where, on which team and app, and what (names only)', async (t) => {
  const rows = await audit('?app=aud-shop', a.token);
  t.like(rows[0], { user: a.email, address: '127.0.0.1', team: 'aud-a', app: 'aud-shop', action: 'domains.add', details: { hostname: 'shop.example.com' } });
  t.like(rows[1], { user: a.email, address: '127.0.0.1', team: 'aud-a', app: 'aud-shop', action: 'apps.create' });
  t.true(Date.now() - Date.parse(rows[0]!.time) < 60_000);
  const teamRow = (await audit('?team=aud-a')).find((r) => r.action === 'teams.create');
  t.like(teamRow, { user: 'admin@localhost', team: 'aud-a', app: null, details: { team: 'aud-a' } }, 'a team\'s own rows carry the team');
});

test('a token\'s row names the token by id, name and description, never its text or a part of it', async (t) => {
  const made = (await must(api.call('POST', `/v1/users/${a.email}/tokens`, { token: a.token, body: { name: 'laptop', description: 'my laptop', expires: '30d' } }), 201)).body as { id: string; token: string; expiresAt: string };
  const row = (await audit('?limit=5', a.token)).find((r) => r.action === 'tokens.create');
  t.deepEqual(row?.details, { email: a.email, token: made.id, name: 'laptop', description: 'my laptop', expiresAt: made.expiresAt });
  const leaked = await api.db.query('SELECT 1 FROM audit_log WHERE details::text LIKE $1', [`%${made.token.slice(4, 12)}%`]);
  t.is(leaked.rowCount, 0);
});

test('members see their teams\' rows and their own; admins every row; another team is not found', async (t) => {
  const mine = await audit('', a.token);
  t.true(mine.length > 0);
  t.true(mine.every((r) => r.team === 'aud-a' || r.user === a.email), 'only team aud-a, or rows a made');
  t.false(mine.some((r) => r.app === 'aud-blog'));
  t.deepEqual(await audit('?app=aud-blog', a.token), [], 'another team\'s app: nothing');
  const other = await api.call('GET', '/v1/audit?team=aud-b', { token: a.token });
  t.is(other.status, 404);
  t.is((other.body as ErrorBody).error.message, 'team aud-b not found');
  const all = await audit('?limit=1000');
  t.true(all.some((r) => r.app === 'aud-blog') && all.some((r) => r.app === 'aud-shop') && all.some((r) => r.action === 'users.create'));
  t.true((await audit('?team=aud-b')).every((r) => r.team === 'aud-b'));
});

test('since takes durations and ISO times; limit bounds the rows; bad values are refused by name', async (t) => {
  await api.db.query(`INSERT INTO audit_log (team_id, team_name, user_email, action, created_at)
    SELECT id, name, 'old@test', 'old.change', now() - interval '3 hours' FROM teams WHERE name = 'aud-a'`);
  const since2h = await audit('?since=2h&team=aud-a', a.token);
  t.false(since2h.some((r) => r.action === 'old.change'));
  t.true((await audit('?since=1d&team=aud-a', a.token)).some((r) => r.action === 'old.change'));
  t.true((await audit('?since=3h30m&team=aud-a', a.token)).some((r) => r.action === 'old.change'));
  const iso = new Date(Date.now() - 4 * 3600_000).toISOString();
  t.true((await audit(`?since=${encodeURIComponent(iso)}&team=aud-a`, a.token)).some((r) => r.action === 'old.change'));
  t.is((await audit('?limit=2', a.token)).length, 2);
  for (const [query, message] of [
    ['since=yesterday', 'invalid since "yesterday": use a duration like 30m, 2h or 7d, or an ISO time like 2026-12-01T10:00:00Z'],
    ['since=2026-13-45', 'invalid since "2026-13-45": use a duration like 30m, 2h or 7d, or an ISO time like 2026-12-01T10:00:00Z'],
    ['since=5y', 'invalid since "5y": use a duration like 30m, 2h or 7d, or an ISO time like 2026-12-01T10:00:00Z'],
    ['limit=0', 'limit must be a whole number from 1 to 1000'],
    ['limit=5000', 'limit must be a whole number from 1 to 1000'],
    ['limit=ten', 'limit "ten" is not a whole number'],
    ['app=Bad_Name', 'app "Bad_Name" is not an app name'],
  ]) {
    const r = await api.call('GET', `/v1/audit?${query}`, { token: a.token });
    t.is(r.status, 400, query);
    t.is((r.body as ErrorBody).error.message, message);
  }
});

test('who, team and app stay named after the user, the team and the app are gone', async (t) => {
  const c = await api.tenant('aud-c');
  await must(api.call('POST', '/v1/apps', { token: c.token, body: { name: 'aud-gone' } }), 201);
  await must(api.call('PATCH', '/v1/apps/aud-gone/formation', { token: c.token, body: { updates: [{ type: 'web', size: 'huge-plan' }] } }), 400);
  await api.db.query("DELETE FROM apps WHERE name = 'aud-gone'"); // as the erase job's last step does
  await must(api.call('DELETE', `/v1/users/${c.email}`), 204);
  await must(api.call('DELETE', '/v1/teams/aud-c'), 204);
  const rows = await audit('?team=aud-c');
  t.deepEqual(rows.map((r) => r.action), ['teams.delete', 'size.refused', 'apps.create', 'teams.add-member', 'teams.create']);
  t.like(rows.find((r) => r.action === 'apps.create'), { user: c.email, team: 'aud-c', app: 'aud-gone', address: '127.0.0.1' });
  t.like(rows.find((r) => r.action === 'size.refused'), { user: c.email, app: 'aud-gone', details: { action: 'formation.scale', size: 'huge-plan' } });
  t.deepEqual((await audit('?app=aud-gone')).map((r) => r.action), ['size.refused', 'apps.create'], 'a destroyed app\'s rows by its name');
  const links = await api.db.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE team_name = 'aud-c' AND (team_id IS NOT NULL OR app_id IS NOT NULL)");
  t.is(links.rows[0]!.n, '0', 'the links went, the names stayed');
});

test('X-Forwarded-For is ignored from a client, and read from a trusted proxy', async (t) => {
  await must(api.call('POST', '/v1/teams', { body: { name: 'aud-xff' }, headers: { 'x-forwarded-for': '203.0.113.7' } }), 201);
  t.is((await audit('?team=aud-xff'))[0]!.address, '127.0.0.1', 'a client cannot say where it is');
  // Behind the proxy: the right-most address that is not a trusted proxy is the client (what it sent itself is left of it).
  await must(proxied.call('POST', '/v1/teams', { body: { name: 'px-one' }, headers: { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' } }), 201);
  await must(proxied.call('POST', '/v1/teams', { body: { name: 'px-two' }, headers: { 'x-forwarded-for': '203.0.113.8, 127.0.0.2' } }), 201);
  await must(proxied.call('POST', '/v1/teams', { body: { name: 'px-three' } }), 201);
  const rows = (await must(proxied.call('GET', '/v1/audit?limit=3'), 200)).body as AuditEntry[];
  t.deepEqual(rows.map((r) => [r.team, r.address]), [['px-three', '127.0.0.1'], ['px-two', '203.0.113.8'], ['px-one', '203.0.113.7']]);
});

test('the app\'s activity is its own rows, with the same fields', async (t) => {
  const rows = (await must(api.call('GET', '/v1/apps/aud-shop/activity', { token: a.token }), 200)).body as AuditEntry[];
  t.deepEqual(rows.map((r) => r.action), ['domains.add', 'apps.create']);
  t.like(rows[0], { user: a.email, address: '127.0.0.1', team: 'aud-a', app: 'aud-shop' });
});

test('listAudit (the dashboard\'s query) applies the same rules as the route', async (t) => {
  const user = await api.db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [b.email]);
  const caller = await loadCaller(api.db, user.rows[0]!.id);
  const rows = await listAudit(api.db, caller, { app: 'aud-blog' });
  t.deepEqual(rows.map((r) => r.action), ['apps.create']);
  t.deepEqual(await listAudit(api.db, caller, { app: 'aud-shop' }), []);
  await t.throwsAsync(listAudit(api.db, caller, { team: 'aud-a' }), { message: 'team aud-a not found' });
});

test('rows older than the retention are deleted, at start and then periodically; newer ones stay', async (t) => {
  const insertAged = (days: number, action: string) => api.db.query(
    `INSERT INTO audit_log (action, created_at) VALUES ($1, now() - make_interval(days => $2))`, [action, days]);
  await insertAged(100, 'aged.100');
  await insertAged(31, 'aged.31');
  await insertAged(29, 'aged.29');
  const count = async (action: string) => Number((await api.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE action = $1', [action])).rows[0]!.n);
  t.is(await pruneAudit(api.db, 90), 1);
  t.is(await count('aged.100'), 0);
  t.is(await count('aged.31'), 1);
  const retention = startAuditRetention(api.db, 30, pino({ level: 'silent' }), 200);
  t.teardown(() => retention.close());
  for (let i = 0; i < 50 && (await count('aged.31')) > 0; i++) await sleep(50);
  t.is(await count('aged.31'), 0, 'the first run, at start');
  await insertAged(40, 'aged.40');
  for (let i = 0; i < 50 && (await count('aged.40')) > 0; i++) await sleep(50);
  t.is(await count('aged.40'), 0, 'a later run');
  t.is(await count('aged.29'), 1, 'rows within the retention stay');
  t.true((await count('apps.create')) > 0);
});

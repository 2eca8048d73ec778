/**
 * Issue 17: `tspaas audit` against the real API (the API harness: its own
 * database, the real koa app on a loopback port): the table (time, user,
 * address, team, app, action, details), `--json`, the filters, and clear
 * errors for a bad `--since` or `--limit` before any request, and for a team
 * that is not the caller's.
 */
import test from 'ava';
import type { AuditEntry } from '../../platform/api/types.js';
import { must, startApi, type TestApi } from '../platform/api/harness.js';
import { tempDirs, tspaas } from './platform-stand-in.js';

let api: TestApi;
let a: { team: string; email: string; token: string };
let dirs: Awaited<ReturnType<typeof tempDirs>>;

test.before(async () => {
  api = await startApi('cli_audit');
  a = await api.tenant('cli-a');
  await api.tenant('cli-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'cli-shop' } }), 201);
  await must(api.call('POST', '/v1/apps/cli-shop/domains', { token: a.token, body: { hostname: 'www.cli-shop.example.com' } }), 201);
  await api.db.query(`INSERT INTO audit_log (team_id, team_name, user_email, action, created_at)
    SELECT id, name, 'old@test', 'old.change', now() - interval '3 days' FROM teams WHERE name = 'cli-a'`);
  dirs = await tempDirs();
  const login = await tspaas(['login', api.url, '--token', a.token], dirs);
  if (login.code !== 0) throw new Error(login.stderr);
});
test.after.always(async () => { await dirs?.cleanup(); await api?.close(); });

const audit = (...args: string[]) => tspaas(['audit', ...args], dirs);

test('a table of the member\'s rows, newest first: time, user, address, team, app, action, details', async (t) => {
  const r = await audit();
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.regex(lines[0]!, /^TIME\s+USER\s+ADDRESS\s+TEAM\s+APP\s+ACTION\s+DETAILS$/);
  t.regex(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+cli-a@test\s+127\.0\.0\.1\s+cli-a\s+cli-shop\s+domains\.add\s+hostname=www\.cli-shop\.example\.com$/);
  t.regex(lines[2]!, /cli-a@test\s+127\.0\.0\.1\s+cli-a\s+cli-shop\s+apps\.create\s+name=cli-shop team=cli-a$/);
  t.false(r.stdout.includes('cli-b'), 'not another team\'s rows');
  t.regex(r.stdout, /old@test\s+-\s+cli-a\s+-\s+old\.change/);
});

test('--json gives the API\'s rows; --app, --team, --since and --limit filter them', async (t) => {
  const json = await audit('--json', '--app', 'cli-shop');
  t.is(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as AuditEntry[];
  t.deepEqual(rows.map((r) => r.action), ['domains.add', 'apps.create']);
  t.like(rows[0], { user: a.email, address: '127.0.0.1', team: 'cli-a', app: 'cli-shop', details: { hostname: 'www.cli-shop.example.com' } });
  const recent = JSON.parse((await audit('--json', '--team', 'cli-a', '--since', '2h')).stdout) as AuditEntry[];
  t.true(recent.length > 0);
  t.false(recent.some((r) => r.action === 'old.change'));
  const week = JSON.parse((await audit('--json', '--since', '7d')).stdout) as AuditEntry[];
  t.true(week.some((r) => r.action === 'old.change'));
  const iso = JSON.parse((await audit('--json', '--since', new Date(Date.now() - 3600_000).toISOString())).stdout) as AuditEntry[];
  t.false(iso.some((r) => r.action === 'old.change'));
  t.true(iso.length > 0);
  t.is((JSON.parse((await audit('--json', '-n', '1')).stdout) as AuditEntry[]).length, 1);
  t.is((await audit('--app', 'no-such-app')).stdout, 'No audit entries match\n');
});

test('a bad --since or --limit is refused before any request; another team is not found', async (t) => {
  const since = await audit('--since', 'last tuesday');
  t.is(since.code, 1);
  t.is(since.stderr, 'tspaas: invalid --since "last tuesday": use a duration like 30m, 2h or 7d, or an ISO time like 2026-12-01T10:00:00Z\n');
  const limit = await audit('--limit', '0');
  t.is(limit.code, 1);
  t.is(limit.stderr, 'tspaas: invalid --limit "0": use a whole number from 1 to 1000\n');
  const other = await audit('--team', 'cli-b');
  t.is(other.code, 1);
  t.is(other.stderr, 'tspaas: team cli-b not found\n');
});

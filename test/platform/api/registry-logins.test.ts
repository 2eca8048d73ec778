/**
 * Registry logins over the real API and database (issue 14, part R): what a
 * team stores is listed without its password, given to its own apps' builds
 * only (an app's own login wins over its team's for the same host), and
 * invisible to another team. The push that uses them is
 * test/platform/e2e/registry.test.ts.
 */
import test from 'ava';
import { buildRegistryAuth } from '../../../platform/control/registry-logins.js';
import { getAppByName } from '../../../platform/store/apps.js';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
let a: { token: string };
let b: { token: string };
test.before(async () => {
  api = await startApi('api_reglogins');
  a = await api.tenant('reg-a');
  b = await api.tenant('reg-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'blog' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'rival' } }), 201);
});
test.after.always(async () => { await api?.close(); });

const put = (token: string, body: object) => api.call('PUT', '/v1/registry-logins', { token, body });
const credsOf = async (name: string) => buildRegistryAuth(api.db, (await getAppByName(api.db, name))!);

test.serial('a team login goes to every app of the team; an app login wins for that app only; another team gets none', async (t) => {
  const team = (await must(put(a.token, { host: 'https://Registry.Example.com:5000/v2/', username: 'ci', password: 'team-pw' }), 200)).body;
  t.like(team, { host: 'registry.example.com:5000', username: 'ci', team: 'reg-a', app: null });
  t.false(JSON.stringify(team).includes('team-pw'));
  await must(put(a.token, { host: 'registry.example.com:5000', username: 'shop-ci', password: 'shop-pw', app: 'shop' }), 200);
  t.deepEqual(await credsOf('shop'), { 'registry.example.com:5000': { username: 'shop-ci', password: 'shop-pw' } });
  t.deepEqual(await credsOf('blog'), { 'registry.example.com:5000': { username: 'ci', password: 'team-pw' } });
  t.deepEqual(await credsOf('rival'), {});

  await must(put(a.token, { host: 'registry.example.com:5000', username: 'ci2', password: 'team-pw2' }), 200);
  t.deepEqual(await credsOf('blog'), { 'registry.example.com:5000': { username: 'ci2', password: 'team-pw2' } }, 'a second login replaces the first');
  const list = (await must(api.call('GET', '/v1/registry-logins', { token: a.token }), 200));
  t.deepEqual((list.body as Array<{ host: string; username: string; app: string | null }>).map((l) => [l.host, l.username, l.app]),
    [['registry.example.com:5000', 'ci2', null], ['registry.example.com:5000', 'shop-ci', 'shop']]);
  t.false(/pw/.test(list.text), 'no password in the listing');
});

test.serial('another team sees nothing of it and can change nothing of it (404, as for a name nobody has)', async (t) => {
  t.deepEqual((await must(api.call('GET', '/v1/registry-logins', { token: b.token }), 200)).body, []);
  const named = await api.call('GET', '/v1/registry-logins?team=reg-a', { token: b.token });
  t.is(named.status, 404);
  t.regex(named.text, /team reg-a not found/);
  t.is((await put(b.token, { host: 'registry.example.com:5000', username: 'x', password: 'y', team: 'reg-a' })).status, 404);
  t.is((await put(b.token, { host: 'registry.example.com:5000', username: 'x', password: 'y', app: 'shop' })).status, 404);
  t.is((await api.call('DELETE', '/v1/registry-logins/registry.example.com:5000?team=reg-a', { token: b.token })).status, 404);
  t.is((await api.call('DELETE', '/v1/registry-logins/registry.example.com:5000?app=shop', { token: b.token })).status, 404);
  t.deepEqual(await credsOf('shop'), { 'registry.example.com:5000': { username: 'shop-ci', password: 'shop-pw' } }, 'unchanged');
});

test.serial('logout removes only the login named; a second logout is NotFound', async (t) => {
  await must(api.call('DELETE', '/v1/registry-logins/registry.example.com:5000?app=shop', { token: a.token }), 204);
  t.deepEqual(await credsOf('shop'), { 'registry.example.com:5000': { username: 'ci2', password: 'team-pw2' } }, 'the team login applies again');
  const again = await api.call('DELETE', '/v1/registry-logins/registry.example.com:5000?app=shop', { token: a.token });
  t.is(again.status, 404);
  t.regex(again.text, /no registry login for registry\.example\.com:5000 in app shop/);
});

test.serial('bad input is refused with a message and stores nothing', async (t) => {
  const cases: Array<[object, RegExp]> = [
    [{ host: 'docker.io', username: 'u', password: 'p' }, /Docker Hub is reached only through the registry mirrors/],
    [{ host: 'https://index.docker.io/v1/', username: 'u', password: 'p' }, /Docker Hub is reached only through the registry mirrors/],
    [{ host: 'reg example.com', username: 'u', password: 'p' }, /is not a registry host/],
    [{ host: 'reg.example.com', username: '', password: 'p' }, /username/],
    [{ host: 'reg.example.com', username: 'u', password: '' }, /password/],
    [{ host: 'reg.example.com', username: 'u', password: 'p', extra: 1 }, /unknown field extra/],
  ];
  for (const [body, message] of cases) {
    const r = await put(a.token, body);
    t.is(r.status, 400, JSON.stringify(body));
    t.regex(r.text, message, JSON.stringify(body));
  }
  t.is((await api.db.query('SELECT 1 FROM registry_logins WHERE host <> $1', ['registry.example.com:5000'])).rowCount, 0);
});

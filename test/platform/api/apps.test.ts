import test from 'ava';
import WebSocket from 'ws';
import { OPERATIONS } from '../../../platform/api/openapi.js';
import { startApi, must, seedRelease, type TestApi } from './harness.js';

let api: TestApi;
let a: { team: string; email: string; token: string };
let b: { team: string; email: string; token: string };
test.before(async () => {
  api = await startApi('api_apps');
  a = await api.tenant('tenant-a');
  b = await api.tenant('tenant-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'blog' } }), 201);
});
test.after.always(async () => { await api?.close(); });

/** A valid body for each request schema, so nothing but ownership can refuse the call. */
const BODIES: Record<string, unknown> = {
  ConfigPatch: { A: '1' }, Rollback: { version: 1 }, Scale: { updates: [{ type: 'web', quantity: 2 }] }, Restart: {},
  RunDetached: { command: ['true'] }, AddDomain: { hostname: 'www.example.test' }, AddCert: { cert: 'x', key: 'y' },
};

test('app info: team, URL with the router port, git URL, no release yet, domains', async (t) => {
  const info = (await must(api.call('GET', '/v1/apps/shop', { token: a.token }), 200)).body;
  t.like(info, { name: 'shop', team: 'tenant-a', url: 'http://shop.localhost:8080', gitUrl: 'http://127.0.0.1:5080/git/shop.git', currentVersion: null, formation: [], domains: [] });
  const route = await api.db.query('SELECT 1 FROM router_routes WHERE app = $1', ['shop']);
  t.is(route.rowCount, 1);
});

test('listing shows only the caller\'s apps; the admin sees all', async (t) => {
  // Other tests add apps meanwhile: tenant A's list holds only tenant A's.
  const list = (await must(api.call('GET', '/v1/apps', { token: a.token }), 200)).body as Array<{ name: string; team: string }>;
  t.true(list.some((x) => x.name === 'shop'));
  t.deepEqual(list.filter((x) => x.team !== 'tenant-a'), []);
  const all = (await must(api.call('GET', '/v1/apps'), 200)).body as Array<{ name: string }>;
  t.true(all.some((x) => x.name === 'blog') && all.some((x) => x.name === 'shop'));
});

test('names: taken (also by another team) is 409 "name is taken"; bad names are 400; the team must be the caller\'s', async (t) => {
  const taken = await api.call('POST', '/v1/apps', { token: a.token, body: { name: 'blog' } });
  t.is(taken.status, 409);
  t.is((taken.body as { error: { message: string } }).error.message, 'name is taken');
  for (const name of ['a', 'Shop', '1abc', 'ab-', 'x'.repeat(31), 'a_b']) {
    t.is((await api.call('POST', '/v1/apps', { token: a.token, body: { name } })).status, 400, name);
  }
  t.is((await api.call('POST', '/v1/apps', { token: a.token, body: { name: 'other', team: 'tenant-b' } })).status, 404);
  // The admin is in one team (admin) and may name any.
  await must(api.call('POST', '/v1/apps', { body: { name: 'adminapp', team: 'tenant-b' } }), 201);
  t.like((await must(api.call('GET', '/v1/apps/adminapp', { token: b.token }), 200)).body as object, { team: 'tenant-b' });
});

test('every app route answers 404 for another tenant\'s app, exactly as for a missing app', async (t) => {
  let checked = 0;
  for (const [template, ops] of Object.entries(OPERATIONS)) {
    if (!template.includes('{app}')) continue;
    for (const [method, op] of Object.entries(ops)) {
      const fill = (app: string) => template.replace('{app}', app).replace('{version}', '1').replace('{id}', '00000000-0000-0000-0000-000000000000')
        .replace('{hostname}', 'www.example.test').replace('{name}', 'cert');
      const body = op.body ? BODIES[op.body] : undefined;
      const theirs = await api.call(method.toUpperCase(), `${fill('shop')}?confirm=shop`, { token: b.token, body });
      const missing = await api.call(method.toUpperCase(), `${fill('nosuchapp')}?confirm=nosuchapp`, { token: b.token, body });
      t.is(theirs.status, 404, `${method} ${template}`);
      t.deepEqual(theirs.body, JSON.parse(JSON.stringify(missing.body).replaceAll('nosuchapp', 'shop')), `${method} ${template}`);
      checked++;
    }
  }
  t.is(checked, 25); // every app route of the OpenAPI document (25 with GET …/builds/{id}, issue 14)
  // The WebSocket of `tspaas run` too: refused before the upgrade.
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${api.port}/v1/apps/shop/run`, { headers: { authorization: `Bearer ${b.token}` } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('upgraded')));
    ws.on('error', reject);
  });
  t.is(status, 404);
  // And the app is still there for its owner.
  await must(api.call('GET', '/v1/apps/shop', { token: a.token }), 200);
});

test('config: {} before any release, then the current release\'s; names are checked before any release is made', async (t) => {
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'cfg' } }), 201);
  t.deepEqual((await must(api.call('GET', '/v1/apps/cfg/config', { token: a.token }), 200)).body, {});
  await seedRelease(api.db, 'cfg', 1, { config: { A: '1' }, current: true });
  await seedRelease(api.db, 'cfg', 2, { config: { A: '2' } });
  t.deepEqual((await must(api.call('GET', '/v1/apps/cfg/config', { token: a.token }), 200)).body, { A: '1' });
  for (const patch of [{ PORT: 'http' }, { PORT: '70000' }, { '1A': 'x' }, { 'A-B': 'x' }, {}, { A: 5 }]) {
    t.is((await api.call('PATCH', '/v1/apps/cfg/config', { token: a.token, body: patch })).status, 400, JSON.stringify(patch));
  }
  const releases = (await must(api.call('GET', '/v1/apps/cfg/releases', { token: a.token }), 200)).body as Array<{ version: number }>;
  t.deepEqual(releases.map((r) => r.version), [2, 1]);
  t.like((await must(api.call('GET', '/v1/apps/cfg/releases/v1', { token: a.token }), 200)).body as object, { version: 1, config: { A: '1' } });
  t.is((await api.call('GET', '/v1/apps/cfg/releases/v9', { token: a.token })).status, 404);
  t.is((await api.call('GET', '/v1/apps/cfg/releases/latest', { token: a.token })).status, 400);
  t.like((await must(api.call('GET', '/v1/apps/cfg', { token: a.token }), 200)).body as object,
    { currentVersion: 1, formation: [{ type: 'web', quantity: 1, plan: 'basic', memoryBytes: 512 * 1024 * 1024 }] });
  t.deepEqual((await must(api.call('GET', '/v1/apps/cfg/formation', { token: a.token }), 200)).body,
    [{ type: 'web', quantity: 1, plan: 'basic', memoryBytes: 512 * 1024 * 1024 }]);
  t.is((await api.call('PATCH', '/v1/apps/cfg/formation', { token: a.token, body: { updates: [{ type: 'web', size: '12X' }] } })).status, 400);
  t.is((await api.call('PATCH', '/v1/apps/cfg/formation', { token: a.token, body: { updates: [{ type: 'web', quantity: 101 }] } })).status, 400);
});

test('destroy needs ?confirm=<name>; the audit log keeps what happened, without values', async (t) => {
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'gone' } }), 201);
  t.is((await api.call('DELETE', '/v1/apps/gone', { token: a.token })).status, 400);
  t.is((await api.call('DELETE', '/v1/apps/gone?confirm=shop', { token: a.token })).status, 400);
  const activity = (await must(api.call('GET', '/v1/apps/gone/activity', { token: a.token }), 200)).body as Array<{ action: string; user: string }>;
  t.like(activity[0], { action: 'apps.create', user: a.email });
});

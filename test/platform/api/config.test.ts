import test from 'ava';
import { createDeployer } from '../../../platform/deploy/index.js';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import type { Deployer } from '../../../platform/types.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { startApi, must, type TestApi } from './harness.js';

// The real deployer: config changes of an app never pushed make releases without an image, which are recorded and not deployed.
let api: TestApi;
let engine: TestEngine;
let a: { token: string; email: string };
test.before(async () => {
  engine = await startTestEngine();
  const holder: { deployer?: Deployer } = {};
  api = await startApi('api_config', {
    deployer: new Proxy({} as Deployer, { get: (_t, p) => (holder.deployer as unknown as Record<string | symbol, unknown>)[p] }),
  });
  // The API's scheduler stays absent; the deployer's crash watch needs a real one.
  holder.deployer = createDeployer({ ...api.deps, scheduler: createLocalScheduler(engine.engine, api.config, api.deps.log) });
  a = await api.tenant('cfg-a');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
});
test.after.always(async () => { await api?.deps.deployer.close?.(); await api?.close(); await engine?.cleanup(); });

test('config:set and config:unset make releases; values never reach the audit log', async (t) => {
  const set = (await must(api.call('PATCH', '/v1/apps/shop/config', { token: a.token, body: { SECRET: 's3cr3t-value', B: '2' } }), 200)).body as
    { config: Record<string, string>; release: { version: number; description: string; userEmail: string } };
  t.deepEqual(set.config, { SECRET: 's3cr3t-value', B: '2' });
  t.like(set.release, { version: 1, userEmail: a.email });
  const unset = (await must(api.call('PATCH', '/v1/apps/shop/config', { token: a.token, body: { B: null } }), 200)).body as { config: Record<string, string>; release: { version: number } };
  t.deepEqual(unset.config, { SECRET: 's3cr3t-value' });
  t.is(unset.release.version, 2);
  t.deepEqual((await must(api.call('GET', '/v1/apps/shop/config', { token: a.token }), 200)).body, { SECRET: 's3cr3t-value' });
  const releases = (await must(api.call('GET', '/v1/apps/shop/releases', { token: a.token }), 200)).body as Array<{ version: number }>;
  t.deepEqual(releases.map((r) => r.version), [2, 1]);
  const activity = (await must(api.call('GET', '/v1/apps/shop/activity', { token: a.token }), 200)).body as Array<{ action: string; details: object }>;
  t.like(activity[0], { action: 'config.unset', details: { unset: ['B'] } });
  t.like(activity[1], { action: 'config.set', details: { set: ['SECRET', 'B'] } });
  const leaked = await api.db.query("SELECT 1 FROM audit_log WHERE details::text LIKE '%s3cr3t%'");
  t.is(leaked.rowCount, 0);
  // Rolling back to a release without an image is refused by the deployer.
  t.is((await api.call('POST', '/v1/apps/shop/rollback', { token: a.token, body: { version: 1 } })).status, 400);
});

test('a config change whose audit row cannot be written is not made: the release and its row are one transaction', async (t) => {
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop-fault' } }), 201);
  // The database refuses this app's audit rows (as a full disk or a lost connection would, mid-change).
  await api.db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log refused this row'; END $$`);
  await api.db.query("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.app_name = 'shop-fault') EXECUTE FUNCTION refuse_audit()");
  const refused = await api.call('PATCH', '/v1/apps/shop-fault/config', { token: a.token, body: { KEY: 'value' } });
  t.is(refused.status, 500, refused.text);
  t.deepEqual((await must(api.call('GET', '/v1/apps/shop-fault/config', { token: a.token }), 200)).body, {});
  t.deepEqual((await must(api.call('GET', '/v1/apps/shop-fault/releases', { token: a.token }), 200)).body, []);

  await api.db.query('DROP TRIGGER refuse_audit ON audit_log');
  const made = (await must(api.call('PATCH', '/v1/apps/shop-fault/config', { token: a.token, body: { KEY: 'value' } }), 200)).body as { release: { version: number } };
  t.is(made.release.version, 1, 'the refused change took no version');
  const activity = (await must(api.call('GET', '/v1/apps/shop-fault/activity', { token: a.token }), 200)).body as Array<{ action: string }>;
  t.deepEqual(activity.map((r) => r.action), ['config.set', 'apps.create']);
});

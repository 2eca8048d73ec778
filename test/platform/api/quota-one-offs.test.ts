/**
 * Issue 17, part 1: one-offs count against their team's processes quota
 * while they run, and stop counting when they end — through the API and the
 * real local scheduler on a real engine (busybox releases).
 */
import test from 'ava';
import path from 'node:path';
import { pino } from 'pino';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { eventually, platformConfig } from '../scheduler/fixtures.js';
import { must, seedRelease, startApi, type TestApi } from './harness.js';

let te: TestEngine;
let api: TestApi;
let token: string;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
  const scheduler = createLocalScheduler(te.engine, platformConfig(path.join(te.config.root, 'platform')), pino({ level: 'silent' }));
  api = await startApi('api_quota_runs', { scheduler });
  token = (await api.tenant('qr-team')).token;
  await must(api.call('POST', '/v1/apps', { token, body: { name: 'qr-shop' } }), 201);
  await seedRelease(api.db, 'qr-shop', 1, { current: true, image: 'busybox:latest', processTypes: { web: 'httpd -f' } });
});
test.after.always(async () => { await api?.close(); await te?.cleanup(); });

const run = (command: string[]) => api.call('POST', '/v1/apps/qr-shop/run', { token, body: { command } });
const recorded = async () => (await api.db.query("SELECT 1 FROM one_off_runs r JOIN apps a ON a.id = r.app_id WHERE a.name = 'qr-shop'")).rowCount;

test('a running one-off takes a process of the quota until it ends', async (t) => {
  await must(api.call('PUT', '/v1/teams/qr-team/quota', { body: { processes: 2 } }), 200); // web=1 is counted
  const first = await must(run(['sleep', '3']), 201);
  t.is(await recorded(), 1);
  const refused = await run(['true']);
  t.is(refused.status, 403);
  t.is((refused.body as { error: { message: string } }).error.message, 'quota exceeded: team qr-team may run 2 processes; it runs 2 and this run asks for 1 more');
  t.like((await must(api.call('GET', '/v1/teams/qr-team/quota', { token }), 200)).body, { use: { processes: 2 } });
  await eventually(async () => (await recorded()) === 0, 20_000);
  t.truthy((first.body as { name: string }).name);
  await must(run(['true']), 201);
});

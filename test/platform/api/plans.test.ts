/**
 * Issue 13, part 4, at the API: `GET /v1/plans`, and sizes larger than the
 * host refused with a message — for the caller a 400, for the operator a log
 * line and an audit row (`size.refused`). The host is the real one, read by
 * the real local scheduler; the plans are made relative to it so the test
 * holds on any machine.
 */
import test from 'ava';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import { DEFAULT_PLANS, plansOf } from '../../../platform/plans.js';
import { formatBytes } from '../../../lib/bytes.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { platformConfig } from '../scheduler/fixtures.js';
import { must, seedRelease, startApi, type TestApi } from './harness.js';

const G = 1024 ** 3;
const HOST_MEMORY = os.totalmem();
/** Twice the host's memory, and one CPU more than it has: plans an operator could write that this host cannot run. */
const XL = { name: 'xl', memoryBytes: Math.ceil((2 * HOST_MEMORY) / G) * G, cpuShares: 8192, cpus: 1, pidsLimit: 8192 };
const WIDE = { name: 'wide', memoryBytes: G, cpuShares: 4096, cpus: os.availableParallelism() + 1, pidsLimit: 4096 };
const plans = plansOf([...DEFAULT_PLANS.filter((p) => p.cpus <= os.availableParallelism()), XL, WIDE], 'basic', 'standard-2x');

let te: TestEngine;
let api: TestApi;
let a: { team: string; email: string; token: string };
test.before(async () => {
  te = await startTestEngine();
  const scheduler = createLocalScheduler(te.engine, { ...platformConfig(path.join(te.config.root, 'platform')), plans }, pino({ level: 'silent' }));
  api = await startApi('api_plans', { scheduler }, { plans });
  a = await api.tenant('tenant-a');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await seedRelease(api.db, 'shop', 1, { current: true });
});
test.after.always(async () => { await api?.close(); await te?.cleanup(); });

test('GET /v1/plans lists every plan, the default and the builds\' one, and which this host cannot run', async (t) => {
  const list = (await must(api.call('GET', '/v1/plans', { token: a.token }), 200)).body as Array<{ name: string; default: boolean; build: boolean; fits: boolean }>;
  t.deepEqual(list.map((p) => p.name), plans.list.map((p) => p.name));
  t.like(list.find((p) => p.name === 'basic'), { default: true, build: false, fits: true });
  t.like(list.find((p) => p.name === 'standard-2x'), { default: false, build: true, fits: true });
  t.like(list.find((p) => p.name === 'xl'), { fits: false });
  t.like(list.find((p) => p.name === 'wide'), { fits: false });
  t.is((await api.call('GET', '/v1/plans', { token: null })).status, 401);
});

test('scale and run: a size larger than the host is refused with the numbers, logged for the operator in the audit log', async (t) => {
  const scale = (size: string) => api.call('PATCH', '/v1/apps/shop/formation', { token: a.token, body: { updates: [{ type: 'web', size }] } });
  const xl = await scale('xl');
  t.is(xl.status, 400);
  t.deepEqual(xl.body, { error: { kind: 'Invalid', message: `size xl is larger than this host allows (${formatBytes(XL.memoryBytes)} > ${formatBytes(HOST_MEMORY)} available)` } });
  const wide = await scale('Wide');
  t.is((wide.body as { error: { message: string } }).error.message,
    `size Wide is larger than this host allows (${WIDE.cpus} CPUs > ${os.availableParallelism()} available)`);
  // Memory within the largest plan (xl) but beyond the host: refused by the host's bound.
  const memory = `${Math.ceil(HOST_MEMORY / G) + 1}G`;
  t.regex(((await scale(memory)).body as { error: { message: string } }).error.message, new RegExp(`^size ${memory} is larger than this host allows`));
  t.is(((await scale('huge')).body as { error: { message: string } }).error.message, `size huge is not a plan (${plans.list.map((p) => p.name).join(', ')}) nor memory like 512M`);
  // The report: `tspaas run -s 1000G` set a 1000 GB limit on a 24 GB host.
  const run = await api.call('POST', '/v1/apps/shop/run', { token: a.token, body: { command: ['true'], size: '1000G' } });
  t.is(run.status, 400);
  t.regex((run.body as { error: { message: string } }).error.message, /^size 1000G is larger than (the largest plan|this host allows)/);
  const activity = (await must(api.call('GET', '/v1/apps/shop/activity', { token: a.token }), 200)).body as Array<{ action: string; details: { action: string; size: string; reason: string } }>;
  const refused = activity.filter((e) => e.action === 'size.refused').map((e) => [e.details.action, e.details.size]);
  t.deepEqual(refused.reverse(), [['formation.scale', 'xl'], ['formation.scale', 'Wide'], ['formation.scale', memory], ['formation.scale', 'huge'], ['run.detached', '1000G']]);
  t.deepEqual((await must(api.call('GET', '/v1/apps/shop/formation', { token: a.token }), 200)).body, [{ type: 'web', quantity: 1, plan: 'basic', memoryBytes: G / 2 }], 'nothing changed');
});

test('a size that fits goes on to the deployer (absent here: 503 shows the size passed)', async (t) => {
  for (const size of ['standard-1x', 'Standard-2X', '256M']) {
    const r = await api.call('PATCH', '/v1/apps/shop/formation', { token: a.token, body: { updates: [{ type: 'web', size }] } });
    t.is(r.status, 503, `${size}: ${r.text}`);
    t.regex(r.text, /deployer is not part of this test/);
  }
  t.is((await api.call('PATCH', '/v1/apps/shop/formation', { token: a.token, body: { updates: [{ type: 'web', size: 'a b' }] } })).status, 400, 'the schema still checks the form');
});

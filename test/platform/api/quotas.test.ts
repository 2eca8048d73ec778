/**
 * Issue 17, part 1: quotas per team at the API, on a real database. Each
 * refusal names the quota, the use and the limit, and leaves nothing
 * changed: no app row, no formation row, no domain or route, no one-off
 * recorded. Parts the request never reaches stay absent (the harness's 503),
 * so a 403 here shows the quota refused before the scheduler or the job
 * queues were asked; a request within its quota gets that 503 instead.
 * The deployer is the real one (its scale is the control function); its
 * scheduler hears no exits and answers nothing else.
 */
import test from 'ava';
import { startOneOff } from '../../../platform/control/one-offs.js';
import { createDeployer } from '../../../platform/deploy/index.js';
import { DEFAULT_PLANS, plansOf } from '../../../platform/plans.js';
import { currentRelease } from '../../../platform/store/releases.js';
import { NO_LIMITS, insertOneOffRun } from '../../../platform/store/quotas.js';
import { getAppByName } from '../../../platform/store/apps.js';
import { loadCaller } from '../../../platform/auth/callers.js';
import type { Deployer, Scheduler } from '../../../platform/types.js';
import { absent, must, seedRelease, startApi, type Reply, type TestApi } from './harness.js';

const G = 1024 ** 3;
let api: TestApi;
let deployer: Deployer | undefined;

test.before(async () => {
  const lazy = new Proxy({} as Deployer, { get: (_t, prop) => (deployer as unknown as Record<string | symbol, unknown>)[prop] });
  api = await startApi('api_quotas', { deployer: lazy }, { teamQuota: { ...NO_LIMITS, apps: 5, plans: ['basic', 'standard-1x'] } });
  const scheduler = new Proxy(absent<Scheduler>('scheduler'), { get: (t, prop) => (prop === 'watchExits' ? () => () => undefined : t[prop as keyof Scheduler]) });
  deployer = createDeployer({ ...api.deps, scheduler });
});
test.after.always(async () => { await deployer?.close(); await api?.close(); });

const message = (r: Reply) => (r.body as { error?: { message?: string } }).error?.message;
const setQuota = (team: string, limits: object, method = 'PUT') => must(api.call(method, `/v1/teams/${team}/quota`, { body: limits }), 200);
const formation = async (app: string, token: string) => ((await must(api.call('GET', `/v1/apps/${app}/formation`, { token }), 200)).body as Array<{ type: string; quantity: number; plan: string }>)
  .map((e) => `${e.type}=${e.quantity}:${e.plan}`);
const scale = (app: string, token: string, updates: object[]) => api.call('PATCH', `/v1/apps/${app}/formation`, { token, body: { updates } });

/** An app of the tenant with a current release of web and worker (as a deploy leaves it). */
async function appWithRelease(token: string, name: string): Promise<void> {
  await must(api.call('POST', '/v1/apps', { token, body: { name } }), 201);
  await seedRelease(api.db, name, 1, { current: true, processTypes: { web: 'node web.js', worker: 'node worker.js' } });
}

test('a new team gets the operator\'s default quotas; its owners see them with the use, others and non-admins cannot change them', async (t) => {
  const a = await api.tenant('q-defaults');
  const b = await api.tenant('q-other');
  const shown = (await must(api.call('GET', '/v1/teams/q-defaults/quota', { token: a.token }), 200)).body;
  t.deepEqual(shown, {
    team: 'q-defaults',
    limits: { ...NO_LIMITS, apps: 5, plans: ['basic', 'standard-1x'] },
    use: { apps: 0, processes: 0, memoryBytes: 0, cpus: 0, buildMinutes: 0, builds: 0, diskBytes: 0, domains: 0 },
  });
  t.is((await api.call('GET', '/v1/teams/q-defaults/quota', { token: b.token })).status, 404, 'another team\'s quota does not exist for them');
  const refused = await api.call('PATCH', '/v1/teams/q-defaults/quota', { token: a.token, body: { apps: 50 } });
  t.is(refused.status, 403);
  t.is(message(refused), 'only admins may do this');
  t.is((await api.call('PUT', '/v1/teams/q-defaults/quota', { token: a.token, body: {} })).status, 403);
  t.like((await setQuota('q-defaults', { apps: 7, memoryBytes: 2 * G }, 'PATCH')).body, { limits: { apps: 7, memoryBytes: 2 * G, plans: ['basic', 'standard-1x'] } });
  t.like((await setQuota('q-defaults', { processes: 3 })).body, { limits: { ...NO_LIMITS, processes: 3 } }, 'PUT: what is left out is unlimited');
  const bad = await api.call('PATCH', '/v1/teams/q-defaults/quota', { body: { plans: ['giant'] } });
  t.is(bad.status, 400);
  t.is(message(bad), 'no plan giant (plans: basic, standard-1x, standard-2x, performance-m, performance-l)');
  t.is((await api.call('PATCH', '/v1/teams/q-defaults/quota', { body: { apps: -1 } })).status, 400);
  t.is((await api.call('GET', '/v1/teams/no-such-team/quota')).status, 404);
  const audit = await api.db.query<{ details: { limits: { apps: number | null } } }>(
    "SELECT details FROM audit_log WHERE action = 'teams.quota' AND details->>'team' = 'q-defaults' ORDER BY id");
  t.deepEqual(audit.rows.map((r) => r.details.limits.apps), [7, null], 'each change audited with the limits set');
});

test('apps: the create past the limit is refused with the numbers and no app is made', async (t) => {
  const a = await api.tenant('q-apps');
  await setQuota('q-apps', { apps: 1 });
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'q-apps-one' } }), 201);
  const r = await api.call('POST', '/v1/apps', { token: a.token, body: { name: 'q-apps-two' } });
  t.is(r.status, 403);
  t.deepEqual(r.body, { error: { kind: 'Forbidden', message: 'quota exceeded: team q-apps may have 1 app; it has 1 and this apps:create asks for 1 more' } });
  t.is(await getAppByName(api.db, 'q-apps-two'), null);
  t.is((await api.db.query("SELECT 1 FROM router_routes WHERE app = 'q-apps-two'")).rowCount, 0, 'no route either');
  await setQuota('q-apps', { apps: null }, 'PATCH');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'q-apps-two' } }), 201);
});

test('processes: a scale past the limit is refused before the formation changes; one within it goes on; scaling down always passes', async (t) => {
  const a = await api.tenant('q-procs');
  await appWithRelease(a.token, 'q-procs-web');
  await setQuota('q-procs', { processes: 4 });
  const within = await scale('q-procs-web', a.token, [{ type: 'web', quantity: 3 }]);
  t.is(within.status, 503, 'past the quota: the formation is written, then the absent job queue is asked for the reconcile');
  t.regex(within.text, /jobs is not part of this test/);
  t.deepEqual(await formation('q-procs-web', a.token), ['web=3:basic', 'worker=0:basic']);
  const r = await scale('q-procs-web', a.token, [{ type: 'worker', quantity: 2 }]);
  t.is(r.status, 403);
  t.is(message(r), 'quota exceeded: team q-procs may run 4 processes; it runs 3 and this scale asks for 2 more');
  t.deepEqual(await formation('q-procs-web', a.token), ['web=3:basic', 'worker=0:basic'], 'nothing changed');
  await setQuota('q-procs', { processes: 1 });
  t.is((await scale('q-procs-web', a.token, [{ type: 'web', quantity: 2 }])).status, 503, 'over a lowered limit, scaling down passes');
  t.deepEqual(await formation('q-procs-web', a.token), ['web=2:basic', 'worker=0:basic']);
  t.is(message(await scale('q-procs-web', a.token, [{ type: 'web', quantity: 3 }])), 'quota exceeded: team q-procs may run 1 process; it runs 2 and this scale asks for 1 more');
});

test('memory, CPU and plans: sizes are refused at the deployer\'s scale with the numbers, the formation unchanged', async (t) => {
  const a = await api.tenant('q-sizes');
  await appWithRelease(a.token, 'q-sizes-web');
  const app = (await getAppByName(api.db, 'q-sizes-web'))!;
  const caller = await loadCaller(api.db, (await api.db.query<{ id: string }>("SELECT id FROM users WHERE email = 'q-sizes@test'")).rows[0].id);
  await setQuota('q-sizes', { memoryBytes: 2 * G, cpus: 2.5, plans: ['basic', 'standard-1x', 'performance-l'] });
  await t.throwsAsync(deployer!.scale(app, [{ type: 'web', quantity: 3, size: { plan: 'standard-1x', memoryBytes: G } }], caller), {
    message: 'quota exceeded: team q-sizes may use 2 GiB of memory; it uses 512 MiB and this scale asks for 2.5 GiB more',
  });
  await t.throwsAsync(deployer!.scale(app, [{ type: 'worker', quantity: 3 }], caller), {
    message: 'quota exceeded: team q-sizes may use 2.5 CPUs; it uses 1 and this scale asks for 3 more',
  });
  await t.throwsAsync(deployer!.scale(app, [{ type: 'worker', quantity: 1, size: { plan: 'standard-2x', memoryBytes: 2 * G } }], caller), {
    message: 'quota exceeded: team q-sizes may use plans basic, standard-1x, performance-l; this scale asks for standard-2x',
  });
  t.deepEqual(await formation('q-sizes-web', a.token), ['web=1:basic', 'worker=0:basic'], 'nothing changed');
  await setQuota('q-sizes', { plans: ['standard-1x'] });
  await t.throwsAsync(deployer!.scale(app, [{ type: 'web', quantity: 2 }], caller), {
    message: 'quota exceeded: team q-sizes may use plans standard-1x; this scale asks for basic',
  }, 'scaling up at a plan no longer allowed');
  await t.throwsAsync(deployer!.scale(app, [{ type: 'web', quantity: 2, size: { plan: 'standard-1x', memoryBytes: G } }], caller),
    { message: /jobs is not part of this test/ }, 'an allowed plan passes (and the absent queue is asked for the reconcile)');
  await t.throwsAsync(deployer!.scale(app, [{ type: 'web', quantity: 1 }], caller), { message: /jobs is not part of this test/ }, 'scaling down needs no plan');
  t.deepEqual(await formation('q-sizes-web', a.token), ['web=1:standard-1x', 'worker=0:basic']);
});

test('one-offs: a run past the processes or memory quota is refused before the scheduler; running ones count against scale', async (t) => {
  const a = await api.tenant('q-runs');
  await appWithRelease(a.token, 'q-runs-web');
  const app = (await getAppByName(api.db, 'q-runs-web'))!;
  await setQuota('q-runs', { processes: 2 });
  const within = await api.call('POST', '/v1/apps/q-runs-web/run', { token: a.token, body: { command: ['true'] } });
  t.is(within.status, 503, 'within the quota the scheduler is asked (absent here)');
  t.regex(within.text, /scheduler is not part of this test/);
  const recorded = async () => (await api.db.query('SELECT 1 FROM one_off_runs WHERE app_id = $1', [app.id])).rowCount;
  t.is(await recorded(), 0, 'a one-off that did not start is not counted');
  await insertOneOffRun(api.db, app.id, { plan: 'basic', memoryBytes: G / 2 }); // one running, as startOneOff records it
  const r = await api.call('POST', '/v1/apps/q-runs-web/run', { token: a.token, body: { command: ['true'] } });
  t.is(r.status, 403);
  t.is(message(r), 'quota exceeded: team q-runs may run 2 processes; it runs 2 and this run asks for 1 more');
  t.is(await recorded(), 1, 'nothing recorded');
  t.is(message(await scale('q-runs-web', a.token, [{ type: 'worker', quantity: 1 }])), 'quota exceeded: team q-runs may run 2 processes; it runs 2 and this scale asks for 1 more');
  await setQuota('q-runs', { memoryBytes: G });
  t.is(message(await api.call('POST', '/v1/apps/q-runs-web/run', { token: a.token, body: { command: ['true'] } })),
    'quota exceeded: team q-runs may use 1 GiB of memory; it uses 1 GiB and this run asks for 512 MiB more');
  await setQuota('q-runs', { plans: ['standard-1x'] });
  t.is(message(await api.call('POST', '/v1/apps/q-runs-web/run', { token: a.token, body: { command: ['true'] } })),
    'quota exceeded: team q-runs may use plans standard-1x; this run asks for basic');
});

test('custom domains: the add past the limit is refused; no domain row, no route for it', async (t) => {
  const a = await api.tenant('q-doms');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'q-doms-web' } }), 201);
  await setQuota('q-doms', { domains: 1 });
  await must(api.call('POST', '/v1/apps/q-doms-web/domains', { token: a.token, body: { hostname: 'one.q-doms.example' } }), 201);
  const r = await api.call('POST', '/v1/apps/q-doms-web/domains', { token: a.token, body: { hostname: 'two.q-doms.example' } });
  t.is(r.status, 403);
  t.is(message(r), 'quota exceeded: team q-doms may have 1 custom domain; it has 1 and this domains:add asks for 1 more');
  t.is((await api.db.query("SELECT 1 FROM domains WHERE hostname = 'two.q-doms.example'")).rowCount, 0);
  t.is((await api.db.query("SELECT 1 FROM router_hosts WHERE host = 'two.q-doms.example'")).rowCount, 0);
  t.like((await must(api.call('GET', '/v1/teams/q-doms/quota', { token: a.token }), 200)).body, { use: { apps: 1, domains: 1, diskBytes: null } },
    'disk unknown: the builder (the engine) is not part of this test');
});

test('race: of many concurrent requests against a limit of one, exactly one passes', async (t) => {
  const a = await api.tenant('q-race');
  await setQuota('q-race', { apps: 1 });
  const creates = await Promise.all(Array.from({ length: 6 }, (_, i) => api.call('POST', '/v1/apps', { token: a.token, body: { name: `q-race-${i}` } })));
  t.deepEqual(creates.map((r) => r.status).sort(), [201, 403, 403, 403, 403, 403]);
  t.is((await api.db.query("SELECT 1 FROM apps WHERE name LIKE 'q-race-%'")).rowCount, 1);

  const b = await api.tenant('q-race2');
  await appWithRelease(b.token, 'q-race2-web');
  await setQuota('q-race2', { processes: 2 });
  // web=1 runs; each of these asks for one more.
  const scales = await Promise.all([scale('q-race2-web', b.token, [{ type: 'web', quantity: 2 }]), scale('q-race2-web', b.token, [{ type: 'worker', quantity: 1 }])]);
  t.deepEqual(scales.map((r) => r.status).sort(), [403, 503], 'one passed (503: the absent queue after the formation was written), one was refused');
  const f = (await formation('q-race2-web', b.token)).join();
  t.true(f === 'web=2:basic,worker=0:basic' || f === 'web=1:basic,worker=1:basic', f);

  // Eight process types scaled up at once: formation rows take no lock but the team's, so without it several would pass.
  const types = Array.from({ length: 8 }, (_, i) => `p${i}`);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'q-race2-many' } }), 201);
  await seedRelease(api.db, 'q-race2-many', 1, { current: true, processTypes: Object.fromEntries(['web', ...types].map((p) => [p, 'run'])) });
  await setQuota('q-race2', { processes: 4 }); // 2 run in q-race2-web, web=1 in q-race2-many
  const many = await Promise.all(types.map((type) => scale('q-race2-many', b.token, [{ type, quantity: 1 }])));
  t.deepEqual(many.map((r) => r.status).sort(), [403, 403, 403, 403, 403, 403, 403, 503]);
  t.is((await formation('q-race2-many', b.token)).filter((e) => /^p.=1:/.test(e)).length, 1);
});

test('CPU: under a CPU limit, a plan without a CPU quota cannot be asked for (it could take every core)', async (t) => {
  const free = { name: 'free', memoryBytes: G / 4, cpuShares: 256, cpus: 0, pidsLimit: 128 };
  const own = await startApi('api_quotas_cpu', {}, { plans: plansOf([free, ...DEFAULT_PLANS], 'basic', 'standard-2x') });
  t.teardown(() => own.close());
  const a = await own.tenant('q-cpu');
  await must(own.call('POST', '/v1/apps', { token: a.token, body: { name: 'q-cpu-web' } }), 201);
  await seedRelease(own.db, 'q-cpu-web', 1, { current: true });
  await must(own.call('PUT', '/v1/teams/q-cpu/quota', { body: { cpus: 4 } }), 200);
  const r = await own.call('POST', '/v1/apps/q-cpu-web/run', { token: a.token, body: { command: ['true'] } });
  t.is(r.status, 503, 'the default plan (1 core) fits: on to the absent scheduler');
  const app = (await getAppByName(own.db, 'q-cpu-web'))!;
  await t.throwsAsync(startOneOff(own.deps, app, (await currentRelease(own.db, app.id))!, { command: ['true'], tty: false, attach: false, size: { plan: 'free', memoryBytes: G / 4 } }), {
    message: 'quota exceeded: team q-cpu may use 4 CPUs; this run asks for plan free, which has no CPU bound',
  });
  await must(own.call('PATCH', '/v1/teams/q-cpu/quota', { body: { cpus: null } }), 200);
  await t.throwsAsync(startOneOff(own.deps, app, (await currentRelease(own.db, app.id))!, { command: ['true'], tty: false, attach: false, size: { plan: 'free', memoryBytes: G / 4 } }), {
    message: /scheduler is not part of this test/,
  }, 'without a CPU limit it may');
});

/** Plans (issue 13, part 4): sizes as users write them, resolved against the operator's plans and held to the host. Pure. */
import test from 'ava';
import { isKind } from '../../lib/errors.js';
import { DEFAULT_PLANS, boundsOf, checkFits, defaultSize, describePlan, planDisk, planLimits, planMisfits, plansOf, resolveSize } from '../../platform/plans.js';
import { APP_WRITABLE_LAYER_BYTES } from '../../platform/scheduler/disk.js';

const M = 1024 ** 2;
const G = 1024 ** 3;
const plans = plansOf(DEFAULT_PLANS, 'basic', 'standard-2x');
/** The host: 24 GB of memory, and the two CPUs of the CI machine. */
const host = { memoryBytes: 23.4 * G, cpus: 2 };

test('a plan by name (any case), or memory: the smallest plan with that much, with exactly that memory', (t) => {
  t.deepEqual(resolveSize(plans, 'standard-1x'), { plan: 'standard-1x', memoryBytes: G });
  t.deepEqual(resolveSize(plans, 'Performance-M'), { plan: 'performance-m', memoryBytes: 4 * G });
  t.deepEqual(resolveSize(plans, '256M'), { plan: 'basic', memoryBytes: 256 * M });
  t.deepEqual(resolveSize(plans, '512M'), { plan: 'basic', memoryBytes: 512 * M });
  t.deepEqual(resolveSize(plans, '600M'), { plan: 'standard-1x', memoryBytes: 600 * M });
  t.deepEqual(defaultSize(plans), { plan: 'basic', memoryBytes: 512 * M });
  t.throws(() => resolveSize(plans, 'xl'), { message: 'size xl is not a plan (basic, standard-1x, standard-2x, performance-m, performance-l) nor memory like 512M' });
  // The report: `tspaas run -s 1000G` on a 24 GB host.
  t.throws(() => resolveSize(plans, '1000G'), { message: 'size 1000G is larger than the largest plan (performance-l, 8 GiB)' });
  t.throws(() => resolveSize(plans, '2M'), { message: /below the 4M minimum/ });
  // one size rule for the API and app.json (lib/bytes.ts, Docker's): decimals are memory too
  t.deepEqual(resolveSize(plans, '1.5G'), { plan: 'standard-2x', memoryBytes: 1.5 * G });
});

test('bounds: the plan\'s CPU and pids with the size\'s memory; a gone plan or a row from before plans falls back by memory', (t) => {
  t.deepEqual(boundsOf(plans, { plan: 'basic', memoryBytes: 256 * M }), { name: 'basic', memoryBytes: 256 * M, cpuShares: 512, cpus: 1, pidsLimit: 256 });
  t.is(boundsOf(plans, { plan: null, memoryBytes: 2 * G }).name, 'standard-2x');
  t.is(boundsOf(plans, { plan: 'removed-by-the-operator', memoryBytes: 700 * M }).name, 'standard-1x');
  t.is(boundsOf(plans, { plan: null, memoryBytes: 16 * G }).name, 'performance-l', 'more than any plan: the largest one\'s CPU and pids');
  t.deepEqual(planLimits(boundsOf(plans, { plan: 'standard-2x', memoryBytes: 2 * G })), { memory: 2 * G, cpuShares: 2048, nanoCpus: 1e9, pidsLimit: 1024 });
  t.is(planLimits({ name: 'free', memoryBytes: G, cpuShares: 1024, cpus: 0, pidsLimit: 100 }).nanoCpus, undefined, 'cpus 0 = no quota');
});

test('disk (part 5): a plan\'s writable-layer size, 2 GiB when it names none; bounds keep it; the API lists it resolved', (t) => {
  const small = { name: 'small', memoryBytes: G, cpuShares: 1024, cpus: 1, pidsLimit: 100, diskBytes: 64 * M };
  t.is(planDisk(small), 64 * M);
  t.is(planDisk(boundsOf(plansOf([small], 'small', 'small'), { plan: 'small', memoryBytes: 256 * M })), 64 * M);
  t.is(planDisk(boundsOf(plans, { plan: 'basic', memoryBytes: 256 * M })), APP_WRITABLE_LAYER_BYTES);
  t.is(describePlan(plans, DEFAULT_PLANS[0], host).diskBytes, 2 * G);
});

test('nothing larger than the host: memory or CPUs beyond it are refused with the numbers', (t) => {
  checkFits('performance-m', boundsOf(plans, resolveSize(plans, 'performance-m')), host);
  const cpus = t.throws(() => checkFits('performance-l', boundsOf(plans, resolveSize(plans, 'performance-l')), host));
  t.true(isKind(cpus, 'Invalid'));
  t.is(cpus.message, 'size performance-l is larger than this host allows (4 CPUs > 2 available)');
  const small = { memoryBytes: 7.6 * G, cpus: 8 };
  t.throws(() => checkFits('performance-l', boundsOf(plans, resolveSize(plans, 'performance-l')), small),
    { message: 'size performance-l is larger than this host allows (8 GiB > 7.6 GiB available)' });
  t.throws(() => checkFits('7900M', boundsOf(plans, resolveSize(plans, '7900M')), small), { message: /^size 7900M is larger than this host allows \(7.7 GiB > 7.6 GiB/ });
});

test('at start: the default and build plans must fit the host; the others that do not are reported', (t) => {
  t.deepEqual(planMisfits(plans, host), ['size performance-l is larger than this host allows (4 CPUs > 2 available)']);
  t.throws(() => planMisfits(plans, { memoryBytes: G, cpus: 2 }), { message: /^--build-plan: size standard-2x is larger than this host allows \(2 GiB > 1 GiB available\)$/ });
  t.throws(() => planMisfits(plansOf(DEFAULT_PLANS, 'performance-l', 'basic'), host), { message: /^--default-plan: size performance-l/ });
});

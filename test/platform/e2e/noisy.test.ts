/**
 * Issue 13, part 4: noisy neighbours. Two teams on one real tspaasd + router,
 * each with an app (busybox httpd) deployed with `git push`. Team A makes
 * noise from a `tspaas run` one-off of its app — a CPU spin on every core, a
 * fork bomb, a memory balloon — each bounded in time; while it runs, team B's
 * app is measured through the router and tspaasd's API is called.
 *
 * The bound each test states: B's p99 under noise ≤ 5 × B's idle p99 + 50 ms,
 * idle measured just before and just after the noise (the larger of the two:
 * other work on a shared CI host comes and goes, and is not A's noise). The floor keeps a few-millisecond idle p99
 * on a 2-core CI machine shared with other test runs from making the bound
 * meaningless; 5× is what the issue names. tspaasd's API answers every call
 * within 3 s. Both hold because every container runs at its plan: A's
 * one-off (plan basic: CPU quota 1 core, weight 512, 256 pids; memory as
 * asked) can take at most one of the two cores, cannot fork past its pids
 * limit, and is OOM-killed at its memory limit.
 *
 * The attacks are the classic ones: a busy loop per core, the shell fork bomb
 * `f(){ f|f& }; f` (Jaromil's, 2002), and one huge allocation (`dd bs=…`
 * allocates its whole block, as the cgroup memory tests of Docker's
 * integration suite do with a large `bs`).
 */
import test from 'ava';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPidsLimitHits, readStats } from '../../../runtime/containers/cgroups.js';
import { createTenant, engineGet, eventually, makeRepo, must, startWorld, viaRouter, type Result, type Tenant, type World } from './world.js';

const httpd = (page: string) => ({ Dockerfile: `FROM busybox:latest\nRUN mkdir /www && echo ${page} > /www/index.html\nCMD httpd -f -p $PORT -h /www\n` });
/** How long A's noise runs; B is measured for MEASURE_MS of it, after NOISE_RAMP_MS. */
const NOISE_SECONDS = 12;
const NOISE_RAMP_MS = 1500;
const MEASURE_MS = 7000;
const IDLE_REQUESTS = 200;
const API_BOUND_MS = 3000;

let world: World;
let a: Tenant;
let b: Tenant;
let repoA: string;
test.before(async () => {
  world = await startWorld();
  [a, b] = [await createTenant(world, 'noisy-team'), await createTenant(world, 'quiet-team')];
  repoA = await makeRepo(world, a, httpd('noisy'));
  const repoB = await makeRepo(world, b, httpd('quiet'));
  await must(a.tspaas(['apps:create', 'noisy'], repoA));
  await must(b.tspaas(['apps:create', 'quiet'], repoB));
  for (const [tenant, repo] of [[a, repoA], [b, repoB]] as const) await must(tenant.git(['push', 'tspaas', 'main'], repo));
  await eventually(async () => (await viaRouter(world, 'quiet')).body === 'quiet\n', 'quiet served', 30_000);
});
test.after.always(async () => { await world?.close(); });

test.serial('a CPU spin on every core: the plan\'s quota holds it to one core, B\'s p99 and the API stay within bounds', async (t) => {
  // The main process becomes `sleep`: when it ends, the one-off's init goes and the kernel ends the rest.
  const spin = `for i in 1 2 3 4; do (while :; do :; done) & done; exec sleep ${NOISE_SECONDS}`;
  const { run, during } = await withNoise(t, spin, null, async (cgroup) => {
    const before = await readStats(cgroup);
    const t0 = performance.now();
    await sleep(3000);
    return { cores: ((await readStats(cgroup)).cpuTotalNs - before.cpuTotalNs) / 1e6 / (performance.now() - t0) };
  });
  t.is(run.code, 0, `the spin ends when its time is up: ${run.stderr}`);
  t.log(`A used ${during.cores.toFixed(2)} cores while spinning on 4`);
  // Its share under a loaded CI host may be small (weight 512 against everything else); it must only have run.
  t.true(during.cores > 0.05, 'the spin did run');
  t.true(during.cores <= 1.15, `A is held to its plan's quota of 1 core (used ${during.cores.toFixed(2)})`);
});

test.serial('a fork bomb: it stops at the plan\'s pids limit, B\'s p99 and the API stay within bounds', async (t) => {
  // Started in the background before the main process becomes `sleep`, which needs no fork to go on. Its "can't fork"
  // messages go to /dev/null: a flood of log lines is the log-flood test's noise (part 3), not this one's.
  const { run, during } = await withNoise(t, `(f(){ f|f& }; f) 2>/dev/null & exec sleep ${NOISE_SECONDS}`, null, async (cgroup) => {
    await sleep(2000);
    const stats = await readStats(cgroup);
    return { pids: stats.pids, limit: stats.pidsLimit, refused: await readPidsLimitHits(cgroup) };
  });
  t.log(`A's one-off: ${during.pids} of ${during.limit} pids, ${during.refused} forks refused`);
  t.is(during.limit, 256, 'plan basic: 256 pids');
  t.true(during.pids <= 256);
  t.true(during.refused > 0, 'the bomb ran into the limit');
  t.is(run.code, 0, `the one-off ends when its time is up: ${run.stderr}`);
});

test.serial('a memory balloon past its limit: each allocation is OOM-killed inside the one-off, B\'s p99 and the API stay within bounds', async (t) => {
  // 64M asked for (plan basic with 64M); each dd allocates a 256M block, over and over for the noise's time.
  const balloon = `end=$(( $(date +%s) + ${NOISE_SECONDS} )); while [ $(date +%s) -lt $end ]; do dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null; echo "dd exit $?"; done`;
  const { run } = await withNoise(t, balloon, '64M', async () => { await sleep(1000); return {}; });
  t.is(run.code, 0, run.stderr);
  const exits = run.stdout.trim().split('\n').filter((l) => l.startsWith('dd exit'));
  t.log(`${exits.length} allocations of 256M in a 64M one-off`);
  t.true(exits.length >= 3, run.stdout);
  t.deepEqual([...new Set(exits)], ['dd exit 137'], 'every allocation past the limit was killed (SIGKILL by the OOM killer)');
});

test.serial('sizes larger than anything on offer are refused through the CLI with the reason, and the operator sees them', async (t) => {
  // The report: `tspaas run -s 1000G` set a 1000 GB limit on a 24 GB host.
  const run = await a.tspaas(['run', '-s', '1000G', 'true'], repoA);
  t.is(run.code, 1);
  t.regex(run.stderr, /size 1000G is larger than the largest plan \(performance-l, 8 GiB\)/);
  const scale = await a.tspaas(['scale', 'web=1:1000G'], repoA);
  t.is(scale.code, 1);
  t.regex(scale.stderr, /size 1000G is larger than the largest plan/);
  t.regex(await world.platform.log(), /size refused/, 'tspaasd logs each refusal');
  const res = await fetch(`${world.platform.apiUrl}/v1/apps/noisy/activity`, { headers: { authorization: `Bearer ${a.token}` } });
  const refused = (await res.json() as Array<{ action: string; details: { action: string; size: string } }>).filter((e) => e.action === 'size.refused');
  t.deepEqual(refused.map((e) => e.details.action).sort(), ['formation.scale', 'run.attached']);
});

/**
 * Measure B idle, start A's noise as a `tspaas run` one-off of A's app, wait
 * for its container, then measure B and call the API for MEASURE_MS while
 * `probe` looks at A's cgroup; assert the bounds; return the run's result.
 */
async function withNoise<T>(t: { log(...v: unknown[]): void; true(v: boolean, m?: string): void }, line: string, size: string | null,
  probe: (cgroup: string) => Promise<T>): Promise<{ run: Result; during: T }> {
  const before = p99(await latencies(() => false, IDLE_REQUESTS));
  const run = a.tspaas(['run', ...(size ? ['-s', size] : []), line], repoA);
  const id = await eventually(oneOffOf('noisy'), 'A\'s one-off running', 30_000);
  await sleep(NOISE_RAMP_MS);
  const until = performance.now() + MEASURE_MS;
  const [busy, api, during] = await Promise.all([
    latencies(() => performance.now() > until), apiLatencies(() => performance.now() > until), probe(cgroupOf(id)),
  ]);
  const result = await run;
  await eventually(async () => !(await oneOffOf('noisy')()), 'A\'s one-off gone', 30_000);
  const idle = Math.max(before, p99(await latencies(() => false, IDLE_REQUESTS)));
  const bound = 5 * idle + 50;
  t.log(`B idle p99 ${idle.toFixed(1)} ms; under noise p99 ${p99(busy).toFixed(1)} ms over ${busy.length} requests (bound ${bound.toFixed(1)} ms); API max ${Math.max(...api).toFixed(0)} ms`);
  t.true(p99(busy) <= bound, `B's p99 ${p99(busy).toFixed(1)} ms is within ${bound.toFixed(1)} ms`);
  t.true(api.length >= 5 && Math.max(...api) <= API_BOUND_MS, `tspaasd's API answered every call within ${API_BOUND_MS} ms`);
  return { run: result, during };
}

/** Sequential GETs of B through the router (each must answer 200 "quiet"), in ms, until `done` or `count`. */
async function latencies(done: () => boolean, count = Infinity): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count && !done()) {
    const t0 = performance.now();
    const r = await viaRouter(world, 'quiet');
    if (r.status !== 200 || r.body !== 'quiet\n') throw new Error(`B answered ${r.status}: ${r.body}`);
    out.push(performance.now() - t0);
  }
  return out;
}

/** B's `GET /v1/apps/quiet` every 250 ms until `done`, in ms (each must be 200). */
async function apiLatencies(done: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!done()) {
    const t0 = performance.now();
    const res = await fetch(`${world.platform.apiUrl}/v1/apps/quiet`, { headers: { authorization: `Bearer ${b.token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the API answered ${res.status}`);
    out.push(performance.now() - t0);
    await sleep(250);
  }
  return out;
}

function p99(ms: number[]): number {
  const sorted = [...ms].sort((x, y) => x - y);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)];
}

/** The ID of the app's running one-off, if any. */
function oneOffOf(app: string): () => Promise<string | undefined> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.tspaas.app=${app}`, 'io.tspaas.one-off=1'], status: ['running'] }));
  return async () => (await engineGet<Array<{ Id: string }>>(world, `/containers/json?filters=${filters}`))[0]?.Id;
}

/** The container's cgroup: tspaasd's --cgroup-parent (test/helpers/platform.ts) / its ID. */
function cgroupOf(id: string): string {
  return `/tspaas-test/${path.basename(path.dirname(world.platform.root))}/${id}`;
}

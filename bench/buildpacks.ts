/**
 * `npm run bench:buildpacks`: push-to-serving of the apps Heroku users push,
 * through the whole platform on one host — tspaasd (engine, queues, git
 * receiver, buildpacks), tspaas-router, PostgreSQL and Redis — with the real
 * CLI and git (as bench/deploy.ts and the e2e tests do). For each app of
 * bench/push-apps.ts (Node without a lockfile, npm, Yarn 1, Yarn 4, pnpm;
 * Python; a static site): `git push` until the router serves the new body,
 * cold once (a new app: empty app cache) and warm 3 times (one line of source
 * changed, lockfile not; medians), with where each warm push spends its time
 * (bench/push-timeline.ts) and where the cold pushes got the Node.js tarball.
 *
 * There is no Heroku or Dokku on the host to compare with: the figures are
 * ours against the target (every warm push ≤ 5 s on 2 cores).
 * Settings (read here only): BENCH_QUICK=1 makes one warm push per app
 * instead of 3; BENCH_APPS=python,static pushes only the apps named. Prints
 * the tables, then one JSON line; exits 1 when a push failed or an app did
 * not serve its body. Stacks come from the shared test cache (not timed).
 */
import { run } from '../lib/exec.js';
import { claimNetworkSlot } from '../test/helpers/network-slot.js';
import { createPackageMirrors, type PackageMirrors } from '../test/helpers/package-mirrors.js';
import { wheels } from '../test/buildpacks/fixtures/python-apps.js';
import { commitAll, createTenant, makeRepo, must, startWorld, viaRouter, writeFiles, type Tenant, type World } from '../test/platform/e2e/world.js';
import { BENCH_APPS, changed, type BenchApp } from './push-apps.js';
import { report, type AppResult, type PushTiming } from './push-report.js';
import { nodeTarballSource, phasesOf, slugSize, timedPush, transcript } from './push-timeline.js';
import { provideServices } from './services.js';

const QUICK = process.env.BENCH_QUICK === '1';
const WARM_RUNS = QUICK ? 1 : 3;
const apps = chosenApps(process.env.BENCH_APPS);
/** How long an app may take, after its push ended, to serve the new body through the router. */
const SERVE_TIMEOUT_MS = 60_000;

await provideServices();
const slot = await claimNetworkSlot();
let mirrors: PackageMirrors | undefined;
let world: World | undefined;
let failed: boolean;
try {
  mirrors = await createPackageMirrors(slot.config.pool);
  for (const [name, version, files, requires] of wheels()) await mirrors.addWheel(name, version, files, requires);
  world = await startWorld({ built: true }); // what an operator runs: dist/, not the sources through tsx
  const tenant = await createTenant(world, 'bench');
  const results: AppResult[] = [];
  for (const app of apps) results.push(await coldPush(world, tenant, mirrors, app));
  for (let round = 1; round <= WARM_RUNS; round++) {
    for (const r of results) if (!r.failure) await warmPush(world, tenant, r, `warm-${round}`);
  }
  const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
  report(results, { warmRuns: WARM_RUNS, quick: QUICK, commit });
  failed = results.some((r) => r.failure);
} finally {
  await world?.close();
  await mirrors?.remove();
  await slot.release();
}
process.exitCode = failed ? 1 : 0;

/** BENCH_APPS (comma-separated names) or every app; an unknown name is an error. */
function chosenApps(names: string | undefined): readonly BenchApp[] {
  if (!names) return BENCH_APPS;
  const wanted = names.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = wanted.filter((n) => !BENCH_APPS.some((a) => a.name === n));
  if (unknown.length) throw new Error(`BENCH_APPS: no app named ${unknown.join(', ')} (the apps: ${BENCH_APPS.map((a) => a.name).join(', ')})`);
  return BENCH_APPS.filter((a) => wanted.includes(a.name));
}

/** A new app (its config set), its source committed and pushed: the cold push. */
async function coldPush(w: World, tenant: Tenant, index: PackageMirrors, app: BenchApp): Promise<AppResult> {
  const files = await app.files();
  const result: AppResult = { app, repo: '', original: files[app.file], warm: [] };
  try {
    result.repo = await makeRepo(w, tenant, files);
    await must(tenant.tspaas(['apps:create', app.name], result.repo));
    const config = app.config?.({ url: index.pipIndex, host: index.host });
    if (config) await must(tenant.tspaas(['config:set', ...Object.entries(config).map(([k, v]) => `${k}=${v}`)], result.repo));
    result.cold = await pushUntilServed(w, tenant, app, result.repo, 'cold', app.body);
  } catch (err) {
    result.failure = `cold push: ${(err as Error).message}`;
    process.stderr.write(`bench: ${app.name}: ${result.failure}\n`);
  }
  return result;
}

/** One line of source changed (tagged `tag`), committed and pushed: a warm push. */
async function warmPush(w: World, tenant: Tenant, r: AppResult, tag: string): Promise<void> {
  const next = changed(r.app, r.original, tag);
  try {
    await writeFiles(r.repo, { [r.app.file]: next.content });
    await commitAll(tenant, r.repo, tag);
    r.warm.push(await pushUntilServed(w, tenant, r.app, r.repo, tag, next.body));
  } catch (err) {
    r.failure = `${tag} push: ${(err as Error).message}`;
    process.stderr.write(`bench: ${r.app.name}: ${r.failure}\n`);
  }
}

/** `git push tspaas main`, then the router asked until it serves `body`: the timing and the phases. */
async function pushUntilServed(w: World, tenant: Tenant, app: BenchApp, repo: string, tag: string, body: string): Promise<PushTiming> {
  const push = await timedPush(['tspaas', 'main'], repo, { ...process.env, ...tenant.env });
  if (push.code !== 0) throw new Error(`git push exited with ${push.code}:\n${transcript(push)}`);
  const servedMs = await servedAt(w, app.name, body, push.start);
  const timing: PushTiming = {
    seconds: servedMs / 1000, phases: phasesOf(push, servedMs), slug: slugSize(push), nodeTarball: nodeTarballSource(push),
  };
  process.stderr.write(`bench: ${app.name} ${tag}: served in ${timing.seconds.toFixed(2)} s\n`);
  return timing;
}

/** When (ms after `start`) the router first answers `body` for the app, asked every 20 ms; throws with the last answer after a minute. */
async function servedAt(w: World, app: string, body: string, start: number): Promise<number> {
  const deadline = performance.now() + SERVE_TIMEOUT_MS;
  for (;;) {
    const answer = await viaRouter(w, app).catch((err: Error) => ({ status: 0, body: err.message }));
    if (answer.status === 200 && answer.body === body) return performance.now() - start;
    const last = `${answer.status} ${JSON.stringify(answer.body.slice(0, 200))}`;
    if (performance.now() > deadline) throw new Error(`the router did not serve ${JSON.stringify(body)} within ${SERVE_TIMEOUT_MS / 1000} s after the push; last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

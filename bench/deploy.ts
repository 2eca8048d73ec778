/**
 * `npm run bench:deploy`: the platform end to end on one machine, in one run.
 *
 * - push-to-serving of a small Node app (no dependencies, nodejs buildpack):
 *   `git push tspaas main` until the router serves the new code — cold (first
 *   build, empty cache) once, warm (one-line change) three times (median);
 * - `tspaas scale web=1→20`: from the command until the router has 20
 *   healthy backends, against the peer: Debian's podman starting the same
 *   image 19 more times (`run -d` on its default network) until each answers
 *   on its address — what `docker run` would take, with no router or checks.
 *
 * There is no Dokku or Heroku on the host to compare pushes with; the targets
 * are the (warm ≤ 5 s, scale 1→20 ≤ 10 s). Prints a table, then one
 * JSON line. Stacks come from the shared test cache (built once, not timed).
 */
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { run } from '../lib/exec.js';
import { load, machine } from './host.js';
import { podmanArgv, preparePodman, which } from './peers.js';
import { provideServices } from './services.js';
import { table } from './stats.js';
import { commitAll, createTenant, eventually, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type Tenant } from '../test/platform/e2e/world.js';

const APP = 'benchapp';
const SCALE_TO = 20;

await provideServices();
const world = await startWorld({ built: true }); // what an operator runs: dist/, not the sources through tsx
const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-bench-deploy-'));
try {
  const tenant = await createTenant(world, 'bench');
  const repo = await makeRepo(world, tenant, nodeApp('cold'));
  await must(tenant.tspaas(['apps:create', APP], repo));
  const cold = await pushUntilServed(tenant, repo, 'cold', false);
  const warm: number[] = [];
  for (let i = 1; i <= 3; i++) warm.push(await pushUntilServed(tenant, repo, `warm-${i}`, true));
  const scale = await scaleUp(tenant, repo);
  const podman = await podmanScale().catch((err: unknown) => { process.stderr.write(`bench: podman peer failed: ${String(err)}\n`); return null; });
  report(cold, warm, scale, podman);
} finally {
  await world.close();
  await fsp.rm(work, { recursive: true, force: true });
}

/** Commit a change (unless the first push), push, and time until the router serves `tag`. */
async function pushUntilServed(tenant: Tenant, repo: string, tag: string, change: boolean): Promise<number> {
  if (change) {
    await writeFiles(repo, { 'index.js': nodeApp(tag)['index.js'] });
    await commitAll(tenant, repo, tag);
  }
  const start = performance.now();
  const push = await tenant.git(['push', 'tspaas', 'main'], repo);
  if (push.code !== 0) throw new Error(`push ${tag} failed:\n${push.stderr}`);
  await eventually(async () => (await viaRouter(world, APP)).body.includes(`(${tag})`), `${tag} served`, 60_000);
  const s = (performance.now() - start) / 1000;
  process.stderr.write(`bench: push ${tag} served in ${s.toFixed(2)} s\n`);
  return s;
}

/** `tspaas scale web=20` until the route table holds 20 backends and the router answers from 20 processes. */
async function scaleUp(tenant: Tenant, repo: string): Promise<number> {
  const start = performance.now();
  await must(tenant.tspaas(['scale', `web=${SCALE_TO}`, '--no-wait'], repo));
  await eventually(async () => {
    const { rows } = await world.platform.db.query<{ n: string }>('SELECT count(*) AS n FROM router_backends WHERE app = $1', [APP]);
    return Number(rows[0].n) === SCALE_TO;
  }, `${SCALE_TO} backends`, 120_000);
  const s = (performance.now() - start) / 1000;
  const dynos = new Set<string>();
  for (let i = 0; i < 4 * SCALE_TO && dynos.size < SCALE_TO; i++) dynos.add((await viaRouter(world, APP)).body);
  process.stderr.write(`bench: scale 1→${SCALE_TO} in ${s.toFixed(2)} s (${dynos.size} processes answered)\n`);
  await must(tenant.tspaas(['scale', 'web=1'], repo));
  return s;
}

/** podman: the app's image started 19 more times on podman's default network until each answers on PORT. */
async function podmanScale(): Promise<{ seconds: number; runtime: string } | null> {
  const podman = await which('podman');
  if (!podman) return null;
  const [release] = await world.platform.api('GET', `/v1/apps/${APP}/releases`) as Array<{ image: string; processTypes: Record<string, string>; config: Record<string, string> }>;
  const tar = path.join(work, 'image.tar');
  await saveImage(release.image, tar);
  const dir = path.join(work, 'podman');
  const cmd = ['/bin/sh', '-c', release.processTypes.web];
  const setup = await preparePodman(podman, dir, tar, release.image, ['/bin/sh', '-c', 'true'], '');
  const argv = podmanArgv(podman, dir);
  const podmanRun = (args: string[]) => run(argv[0], [...argv.slice(1), ...args]);
  const ids: string[] = [];
  try {
    ids.push((await podmanRun(['run', '-d', '-e', 'PORT=5000', ...setup.runFlags, release.image, ...cmd])).stdout.trim());
    const start = performance.now();
    const started = await Promise.all(Array.from({ length: SCALE_TO - 1 }, async () => {
      const id = (await podmanRun(['run', '-d', '-e', 'PORT=5000', ...setup.runFlags, release.image, ...cmd])).stdout.trim();
      ids.push(id);
      const ip = (await podmanRun(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id])).stdout.trim();
      await eventually(() => answers(ip, 5000), `podman container ${id.slice(0, 12)} answering`, 60_000);
      return id;
    }));
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(`bench: podman 1→${SCALE_TO} in ${seconds.toFixed(2)} s (${started.length} started)\n`);
    return { seconds, runtime: setup.runtime };
  } finally {
    if (ids.length) await run(argv[0], [...argv.slice(1), 'rm', '-f', '-t', '0', ...ids], { allowFailure: true });
    await run(argv[0], [...argv.slice(1), 'system', 'reset', '-f'], { allowFailure: true });
  }
}

/** `docker save` of `image` from the platform's engine (Engine API on its socket). */
function saveImage(image: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: path.join(world.platform.runRoot, 'engine.sock'), path: `/images/get?names=${encodeURIComponent(image)}` }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`images/get: ${res.statusCode}`)); res.resume(); return; }
      fsp.open(file, 'w').then(async (fh) => {
        for await (const chunk of res) await fh.write(chunk as Buffer);
        await fh.close();
        resolve();
      }, reject);
    });
    req.on('error', reject);
  });
}

/** True once `ip:port` answers HTTP. */
function answers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port, path: '/', timeout: 1000 }, (res) => { res.resume(); resolve(true); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

function report(cold: number, warm: number[], scale: number, podman: { seconds: number; runtime: string } | null): void {
  const median = [...warm].sort((a, b) => a - b)[1];
  const f = (s: number) => `${s.toFixed(2)} s`;
  console.log(`# ${machine()}, load ${load().toFixed(1)}`);
  console.log(table(['case', 'tspaas', 'peer', 'ratio', 'target'], [
    ['push → serving, cold (first build)', f(cold), '-', '-', '-'],
    ['push → serving, warm (median of 3)', f(median), '-', '-', '≤ 5 s'],
    [`scale web=1→${SCALE_TO}`, f(scale), podman ? `${f(podman.seconds)} (podman, ${podman.runtime})` : 'podman missing', podman ? (scale / podman.seconds).toFixed(2) : '-', '≤ 10 s'],
  ], 1));
  console.log(JSON.stringify({
    date: new Date().toISOString().slice(0, 10), load: Number(load().toFixed(1)),
    cold_s: round(cold), warm_s: warm.map(round), warm_median_s: round(median), scale_1_to_20_s: round(scale),
    podman_scale_1_to_20_s: podman ? round(podman.seconds) : null, ratio_scale_vs_podman: podman ? round(scale / podman.seconds) : null,
    targets: { warm_median_le_5s: median <= 5, scale_le_10s: scale <= 10 },
  }));
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Build benchmark (`npm run bench:build`): the same multi-stage Dockerfile
 * built by our engine (POST /build with the context packed as the docker CLI
 * does) and by `podman build` (buildah) on a private store, both from the
 * same busybox image (ours, saved and loaded into podman), for
 *
 *   cold       nothing cached (--no-cache)
 *   unchanged  the same context again (every step from the cache)
 *   one-file   one source file changed (steps from its COPY on re-run)
 *
 * When bench/pull.ts exists its pull figures are added. Prints a table, then
 * as the last line one JSON object with the figures and ratios. A failed
 * build or pull of ours exits non-zero.
 *
 * Knobs: BENCH_ITERATIONS (3), BENCH_KEEP=1 keeps the temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { packContext } from '../cli/build-context.js';
import { request } from './api-run.js';
import { podmanArgv, timeCommand, which } from './peers.js';
import { exitOnFailures } from './rounds.js';
import { removeNetworks, type BenchNetwork } from './tspaasd.js';
import { ms, summarize, table, type Summary } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3);
const KEEP = process.env.BENCH_KEEP === '1';
const CASES = ['cold', 'unchanged', 'one-file'] as const;
type CaseName = typeof CASES[number];

const DOCKERFILE = `FROM busybox AS build
WORKDIR /src
COPY lib/ ./lib/
RUN cat lib/*.txt | wc -c > /size && sha256sum lib/*.txt > /sums
COPY app.txt ./
RUN sha256sum app.txt > /app.sum
FROM busybox
ENV MODE=production
COPY --from=build /size /sums /app.sum /out/
WORKDIR /out
EXPOSE 8080
CMD ["cat", "/out/size"]
`;

/** A context of 50 library files of 20 kB and one app file. */
async function writeContext(dir: string): Promise<void> {
  await fsp.mkdir(path.join(dir, 'lib'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  for (let i = 0; i < 50; i++) await fsp.writeFile(path.join(dir, 'lib', `f${i}.txt`), `${i}`.repeat(20_000));
  await fsp.writeFile(path.join(dir, 'app.txt'), 'app 0\n');
}

interface Daemon { socket: string; stop(): Promise<void> }

/** The build bench's engine network: apart from a real engine's, bench/tspaasd.ts's and the tests' slots. */
const NETWORK: BenchNetwork = { bridge: 'tsbench0', subnet: '10.231.0.0/24', pool: '10.232.0.0/16', bridgePrefix: 'tsbb-' };

/** tspaasd from the sources, engine only (no listener on 5080, no embedded databases), on its own roots, bridge and subnets. */
async function startDaemon(dir: string): Promise<Daemon> {
  const runRoot = path.join(dir, 'run');
  const socket = path.join(runRoot, 'engine.sock');
  const log = createWriteStream(path.join(dir, 'tspaasd.log'));
  const child: ChildProcess = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--engine-only', '--root', path.join(dir, 'root'), '--run-root', runRoot,
    '--cgroup-parent', '/tspaas-bench-build', '--log-level', 'warn', '--bridge', NETWORK.bridge, '--bridge-subnet', NETWORK.subnet,
    '--network-pool', NETWORK.pool, '--bridge-prefix', NETWORK.bridgePrefix], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise((r) => child.once('exit', r));
  // Its bridge and firewall rules go with it (a stopped engine leaves its networks, as a restart needs them).
  const stop = async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await exited; } await removeNetworks(NETWORK); };
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    if (await request(socket, 'GET', '/_ping').then((r) => r.status === 200, () => false)) return { socket, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`tspaasd did not come up; see ${dir}/tspaasd.log`);
}

/** POST /build of `ctx`; resolves with the wall time, the steps taken from the cache, and the image ID. */
async function apiBuild(socket: string, ctx: string, query: Record<string, string>): Promise<{ ms: number; cached: number; id: string }> {
  const start = process.hrtime.bigint();
  const { tar, dockerfile } = await packContext(ctx, {});
  const qs = new URLSearchParams({ ...query, dockerfile }).toString();
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: `/v1.44/build?${qs}`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    tar.pipe(req);
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  const lines = body.trim().split('\n').map((l) => JSON.parse(l) as { stream?: string; error?: string; aux?: { ID: string } });
  const error = lines.find((l) => l.error);
  if (error) throw new Error(`build failed: ${error.error}`);
  return { ms: elapsed, cached: lines.filter((l) => l.stream === ' ---> Using cache\n').length, id: lines.find((l) => l.aux)?.aux?.ID ?? '' };
}

/** `podman build` on the private store; null when podman is missing or cannot build here. */
async function preparePodman(dir: string, saveTar: string, notes: string[]): Promise<string[] | null> {
  const podman = await which('podman');
  if (!podman) {
    notes.push('podman is not installed: no podman figures');
    return null;
  }
  const argv = podmanArgv(podman, path.join(dir, 'podman'));
  await timeCommand({ argv: [...argv, 'load', '-i', saveTar] });
  return argv;
}

async function sample(name: string, samples: Map<string, number[]>, fn: () => Promise<number>): Promise<void> {
  samples.set(name, [...(samples.get(name) ?? []), await fn()]);
}

/** One round: cold, unchanged, one-file for each builder. */
async function round(i: number, ctx: string, socket: string, podman: string[] | null, samples: Map<string, number[]>, checks: string[]): Promise<void> {
  const pb = (extra: string[]) => timeCommand({ argv: [...podman!, 'build', ...extra, '-t', 'bench-build', ctx] }).then((r) => r.ms);
  await sample('ours cold', samples, async () => (await apiBuild(socket, ctx, { t: 'bench-build', nocache: '1' })).ms);
  await sample('ours unchanged', samples, async () => {
    const r = await apiBuild(socket, ctx, { t: 'bench-build' });
    if (r.cached !== 10) checks.push(`round ${i}: unchanged rebuild took ${r.cached} of 10 steps from the cache`);
    return r.ms;
  });
  await fsp.writeFile(path.join(ctx, 'app.txt'), `app ${i + 1}\n`);
  await sample('ours one-file', samples, async () => (await apiBuild(socket, ctx, { t: 'bench-build' })).ms);
  if (!podman) return;
  await sample('podman cold', samples, () => pb(['--no-cache']));
  await sample('podman unchanged', samples, () => pb([]));
  await fsp.writeFile(path.join(ctx, 'app.txt'), `app ${i + 1}b\n`);
  await sample('podman one-file', samples, () => pb([]));
}

async function pullRows(socket: string, dir: string, notes: string[]): Promise<Record<string, Summary> | null> {
  if (!existsSync(path.join(REPO, 'bench/pull.ts'))) return null;
  const mod = await import(path.join(REPO, 'bench/pull.ts')) as { benchPull(o: { socket: string; dir: string; iterations: number }): Promise<{ ours: Summary; skopeoUmoci: Summary; notes: string[] }> };
  await fsp.mkdir(path.join(dir, 'pull'), { recursive: true });
  const r = await mod.benchPull({ socket, dir: path.join(dir, 'pull'), iterations: ITERATIONS });
  notes.push(...r.notes);
  return { 'ours pull': r.ours, 'skopeo+umoci pull': r.skopeoUmoci };
}

function report(stats: Record<string, Summary>, notes: string[], checks: string[]): void {
  const name = (k: string) => k.split(' ')[0];
  const rows = Object.entries(stats).map(([k, s]) => [name(k), k.slice(name(k).length + 1), String(s.n), ms(s.median), ms(s.min), ms(s.p90)]);
  console.log(`${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}, ${new Date().toISOString().slice(0, 10)}`);
  console.log(table(['builder', 'case', 'n', 'median', 'min', 'p90'], rows));
  for (const n of [...notes, ...checks]) console.log(`note: ${n}`);
  const ratio = (a: string, b: string) => (stats[a] && stats[b] ? +(stats[a].median / stats[b].median).toFixed(3) : null);
  const figures = Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, { n: s.n, median: +s.median.toFixed(1), min: +s.min.toFixed(1), p90: +s.p90.toFixed(1) }]));
  const ratios = Object.fromEntries([...CASES.map((c: CaseName) => [`${c} ours/podman`, ratio(`ours ${c}`, `podman ${c}`)]), ['pull ours/skopeo+umoci', ratio('ours pull', 'skopeo+umoci pull')]]);
  const targets = { unchangedUnder1s: (stats['ours unchanged']?.median ?? Infinity) < 1000, unchangedFasterThanPodman: (ratios['unchanged ours/podman'] ?? Infinity) < 1 };
  console.log(JSON.stringify({ bench: 'build', iterations: ITERATIONS, figures, ratios, targets, checks }));
}

async function main(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join('/var/tmp', 'tspaas-bench-build-'));
  const notes: string[] = [];
  const checks: string[] = [];
  let daemon: Daemon | undefined;
  try {
    daemon = await startDaemon(dir);
    const ctx = path.join(dir, 'ctx');
    await writeContext(ctx);
    await apiBuild(daemon.socket, ctx, { t: 'warm-up' });
    const saveTar = path.join(dir, 'busybox.tar');
    await fsp.writeFile(saveTar, (await request(daemon.socket, 'GET', '/images/busybox/get')).body);
    const podman = await preparePodman(dir, saveTar, notes);
    const samples = new Map<string, number[]>();
    for (let i = 0; i < ITERATIONS; i++) await round(i, ctx, daemon.socket, podman, samples, checks);
    const stats: Record<string, Summary> = Object.fromEntries([...samples].map(([k, v]) => [k, summarize(v)]));
    let pullFailure: string | null = null;
    Object.assign(stats, await pullRows(daemon.socket, dir, notes).catch((err: unknown) => { pullFailure = String(err); notes.push(`pull bench failed: ${pullFailure}`); return null; }) ?? {});
    report(stats, notes, checks);
    // Our pull is part of the subject: its failure fails the run (after the report), as a failed build does.
    exitOnFailures(pullFailure === null ? [] : [`ours pull: ${pullFailure}`]);
  } finally {
    await daemon?.stop();
    if (!KEEP) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    else process.stderr.write(`bench: kept ${dir}\n`);
  }
}

await main();

/**
 * Networking benchmark (`npm run bench:network`): what a network namespace,
 * a veth on a bridge, an address and NAT cost, timed against podman on this
 * machine in one run.
 *
 *   1. `run --rm busybox true` on the default network, interleaved rounds:
 *      api       the Engine API, with the calls `docker run --rm` makes
 *      api-none  the same with `--network none` (what networking adds)
 *      podman    `podman run --rm` on podman's default network (netavark)
 *   2. 100 × `run -d busybox sleep 600` on the default network, one after
 *      the other, for us and for podman;
 *   3. with the 100 up and idle, the drop in MemAvailable per container and
 *      the RSS of each container's conmon; then `rm -f` of all of them.
 *
 * The engine under test runs on its own bridges and subnets (bench/tspaasd.ts);
 * podman on a private store under the temp dir. Prints tables, then as the
 * last line one JSON object with the figures and ratios. Exits 1 when our
 * engine failed a run (api, api-none) or a start of its fleet, or two of its
 * containers shared an address.
 *
 * Knobs: BENCH_ITERATIONS (30), BENCH_WARMUP (3), BENCH_CONTAINERS (100),
 * BENCH_KEEP=1 keeps the temp dir.
 */
import http from 'node:http';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/exec.js';
import { containerState, expect, exportImage, listAll, removeForce, request, runDetached, runRm } from './api-run.js';
import { measureFleet, type FleetDriver, type FleetResult } from './fleet.js';
import { load, machine, unmountUnder } from './host.js';
import { podmanArgv, podmanNetwork, preparePodman, timeCommand, which, type PodmanSetup } from './peers.js';
import { exitOnFailures, failedCases, measure, since, type Case } from './rounds.js';
import { ms, summarize, table, type Summary } from './stats.js';
import { BENCH_NETWORK, startEngine, type EngineProcess } from './tspaasd.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = { iterations: Number(process.env.BENCH_ITERATIONS ?? 30), warmup: Number(process.env.BENCH_WARMUP ?? 3) };
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 100);
const KEEP = process.env.BENCH_KEEP === '1';
const IMAGE = 'busybox';
const TRUE = ['true'];
const SLEEP = ['sleep', '600'];
/** What docker sends as NetworkMode without --network; podman's default network is '' (no flag). */
const DEFAULT_NETWORK = 'default';

/** Podman on its private store, as prepared. */
interface Podman {
  argv: string[];
  setup: PodmanSetup;
}

/** Case 1: ours on the default network and on none, podman on its default network. */
function runRmCases(engine: EngineProcess, podman: Podman): Case[] {
  const agent = new http.Agent({ keepAlive: true });
  const api = (networkMode: string) => async () => {
    const start = process.hrtime.bigint();
    const code = await runRm(engine.socket, IMAGE, TRUE, agent, networkMode);
    if (code !== 0) throw new Error(`exit code ${code}`);
    return since(start);
  };
  const podmanRun = [...podman.argv, 'run', '--rm', ...podmanNetwork(''), ...podman.setup.runFlags, IMAGE, ...TRUE];
  return [
    { name: 'api', what: `Engine API, default network (bridge ${BENCH_NETWORK.bridge})`, once: api(DEFAULT_NETWORK) },
    { name: 'api-none', what: 'Engine API, --network none (reference)', once: api('none') },
    { name: 'podman', what: 'podman run --rm, default network (podman0)', once: async () => (await timeCommand({ argv: podmanRun })).ms },
  ];
}

/** Cases 2 and 3 for our engine, through the Engine API. */
function engineFleet(engine: EngineProcess): FleetDriver {
  const agent = new http.Agent({ keepAlive: true });
  return {
    name: 'tspaas',
    start: () => runDetached(engine.socket, IMAGE, SLEEP, DEFAULT_NETWORK, agent),
    inspect: async (ids) => {
      const states = [];
      for (const id of ids) states.push(await containerState(engine.socket, id, agent));
      return states;
    },
    remove: async (ids) => {
      for (const id of ids) await removeForce(engine.socket, id, agent);
    },
  };
}

/** Cases 2 and 3 for podman; its containers are named so that `run -d` needs no output read. */
function podmanFleet(podman: Podman): FleetDriver {
  const [bin, ...global] = podman.argv;
  const name = (n: number) => `tspaas-bench-${process.pid}-${n}`;
  return {
    name: 'podman',
    start: async (n) => {
      await timeCommand({ argv: [...podman.argv, 'run', '-d', '--name', name(n), ...podman.setup.runFlags, IMAGE, ...SLEEP] });
      return name(n);
    },
    inspect: async (ids) => {
      if (ids.length === 0) return [];
      const out = await run(bin, [...global, 'inspect', '--format', '{{.State.Pid}} {{.NetworkSettings.IPAddress}}', ...ids]);
      return out.stdout.trim().split('\n').map((l) => ({ pid: Number(l.split(' ')[0]), ip: l.split(' ')[1] ?? '' }));
    },
    remove: async (ids) => {
      if (ids.length) await run(bin, [...global, 'rm', '-f', '-t', '0', ...ids]);
    },
  };
}

/** Load busybox into podman's private store and check that it runs on podman's default network. */
async function preparePeer(dir: string, saveTar: string, notes: string[]): Promise<Podman> {
  const bin = await which('podman');
  if (!bin) throw new Error('podman is not installed (apt-get install podman): this benchmark compares with it');
  const store = path.join(dir, 'podman');
  const setup = await preparePodman(bin, store, saveTar, IMAGE, TRUE, '');
  const version = (await run(bin, ['--version'])).stdout.trim().replace(/^podman version /, '');
  const backend = (await run(bin, [...podmanArgv(bin, store).slice(1), 'info', '--format', '{{.Host.NetworkBackend}}'])).stdout.trim();
  notes.push(`podman ${version} with ${setup.runtime} and ${backend}${setup.runFlags.length ? `, run with ${setup.runFlags.join(' ')} (its default rlimits are refused here)` : ''}`);
  return { argv: podmanArgv(bin, store), setup };
}

/** Remove what is left of both fleets, stop the engine (which removes its bridges and rules), unmount, remove the temp dir. */
async function cleanUp(dir: string, engine: EngineProcess | undefined, podman: Podman | undefined): Promise<void> {
  if (engine) {
    const left = await listAll(engine.socket).catch(() => []);
    for (const id of left) await removeForce(engine.socket, id).catch((err: unknown) => process.stderr.write(`bench: ${String(err)}\n`));
    await engine.stop();
  }
  if (podman) {
    const res = await run(podman.argv[0], [...podman.argv.slice(1), 'rm', '-af', '-t', '0'], { allowFailure: true });
    if (res.code !== 0) process.stderr.write(`bench: podman rm -af failed: ${res.stderr.trim()}\n`);
  }
  await unmountUnder(dir);
  if (!KEEP) await fsp.rm(dir, { recursive: true, force: true });
  else process.stderr.write(`bench: kept ${dir}\n`);
}

async function main(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join('/var/tmp', 'tspaas-bench-'));
  const notes: string[] = [];
  let engine: EngineProcess | undefined;
  let podman: Podman | undefined;
  try {
    engine = await startEngine(REPO, dir);
    const saveTar = path.join(dir, 'busybox.tar');
    await exportImage(engine.socket, IMAGE, saveTar);
    const info = JSON.parse(expect(await request(engine.socket, 'GET', '/info'), [200], 'info').body.toString()) as { DefaultRuntime?: string; ServerVersion?: string };
    notes.push(`tspaas engine ${info.ServerVersion ?? '?'} with ${info.DefaultRuntime ?? '?'}, default network ${BENCH_NETWORK.subnet} on ${BENCH_NETWORK.bridge}`);
    podman = await preparePeer(dir, saveTar, notes);
    const cases = runRmCases(engine, podman);
    const errors = new Map<string, string[]>();
    const loads = [load()];
    const samples = await measure(cases, ROUNDS, errors);
    loads.push(load());
    for (const [name, list] of errors) notes.push(`${name}: ${list.length} failed run(s), e.g. ${list[0].slice(0, 300)}`);
    const fleets = [await measureFleet(engineFleet(engine), CONTAINERS), await measureFleet(podmanFleet(podman), CONTAINERS)];
    loads.push(load());
    for (const f of fleets.filter((x) => x.failed)) notes.push(`${f.name}: ${f.failed} of ${f.asked} run -d failed, e.g. ${f.errors[0].slice(0, 300)}`);
    for (const f of fleets.filter(memoryDisturbed)) notes.push(`${f.name}: memory per container disturbed by the shared host (${mib(f.perContainerKiB)} MiB taken on start, ${mib(f.freedPerContainerKiB)} MiB given back on removal)`);
    report(cases, samples, errors, fleets, notes, loads);
    exitOnFailures([...failedCases(['api', 'api-none'], samples, errors), ...fleetFailures(fleets[0])]);
  } finally {
    await cleanUp(dir, engine, podman).catch((err: unknown) => process.stderr.write(`bench: clean-up of ${dir} failed: ${String(err)}\n`));
  }
}

/** Our fleet's failures: failed or no starts, or fewer addresses than containers. */
function fleetFailures(f: FleetResult): string[] {
  const failures: string[] = [];
  if (f.failed > 0 || f.started === 0) failures.push(`${f.name} fleet: ${f.failed} of ${f.asked} run -d failed${f.errors.length ? `, e.g. ${f.errors[0].slice(0, 300)}` : ''}`);
  if (f.addresses !== f.started) failures.push(`${f.name} fleet: ${f.started} containers had ${f.addresses} different addresses`);
  return failures;
}

/** KiB as MiB with two decimals. */
function mib(x: number | null): string {
  return x === null ? '-' : (x / 1024).toFixed(2);
}

/** True when what the fleet took on start and gave back on removal differ by more than a quarter: other work on the host moved MemAvailable. */
function memoryDisturbed(f: FleetResult): boolean {
  if (f.perContainerKiB === null || f.freedPerContainerKiB === null) return false;
  return Math.abs(f.perContainerKiB - f.freedPerContainerKiB) > 0.25 * Math.max(Math.abs(f.perContainerKiB), Math.abs(f.freedPerContainerKiB));
}

/** Summary of one case's samples, with its failures, rounded for JSON. */
function rounded(s: Summary, failed: number) {
  return { n: s.n, failed, median: +s.median.toFixed(2), p90: +s.p90.toFixed(2), min: +s.min.toFixed(2), mean: +s.mean.toFixed(2) };
}

/** Print both tables and the final JSON line. */
function report(cases: Case[], samples: Map<string, number[]>, errors: Map<string, string[]>, fleets: FleetResult[], notes: string[], loads: number[]): void {
  const stats = Object.fromEntries(cases.map((c) => [c.name, summarize(samples.get(c.name)!)])) as Record<string, Summary>;
  // Times and memory are positive; a figure the shared host drove to zero or below has no ratio.
  const div = (a: number | null, b: number | null) => (a !== null && b !== null && a > 0 && b > 0 ? Number((a / b).toFixed(3)) : null);
  const apiToPodman = div(stats.api.median, stats.podman.median);
  const [ours, theirs] = fleets;
  const ratios = {
    apiToPodman,
    apiNoneToPodman: div(stats['api-none'].median, stats.podman.median),
    apiToApiNone: div(stats.api.median, stats['api-none'].median),
    start100ToPodman: div(ours.wallMs / (ours.started || NaN), theirs.wallMs / (theirs.started || NaN)),
    memoryToPodman: div(ours.perContainerKiB, theirs.perContainerKiB),
    conmonRssToPodman: div(ours.conmonRssKiB, theirs.conmonRssKiB),
    processPssToPodman: div(ours.processPssKiB, theirs.processPssKiB),
  };
  const targets = { apiAtMostThirdOfPodman: apiToPodman === null ? null : apiToPodman <= 1 / 3 };
  console.log(`run --rm ${IMAGE} ${TRUE.join(' ')} on the default network: ${ROUNDS.iterations} runs each after ${ROUNDS.warmup} warm-ups, interleaved`);
  console.log(`${machine()}, load average at start / after run --rm / after the fleets: ${loads.join(' / ')}`);
  for (const n of notes) console.log(`  ${n}`);
  console.log();
  console.log(table(['case', 'what', 'median ms', 'p90 ms', 'min ms', '÷ podman', 'failed'], cases.map((c) => {
    const s = stats[c.name];
    const r = div(s.median, stats.podman.median);
    return [c.name, c.what, ms(s.median), ms(s.p90), ms(s.min), c.name === 'podman' || r === null ? '' : `${r.toFixed(2)}×`, String(errors.get(c.name)?.length ?? 0)];
  })));
  console.log(`networking adds ${ms(stats.api.median - stats['api-none'].median)} ms to our median run --rm`);
  console.log();
  printFleets(fleets);
  console.log();
  console.log(`targets: api ≤ podman/3 on the default network: ${targets.apiAtMostThirdOfPodman} (${apiToPodman ?? '?'}×)`);
  console.log(JSON.stringify({
    bench: 'network', date: new Date().toISOString(), iterations: ROUNDS.iterations, warmup: ROUNDS.warmup, containers: CONTAINERS,
    cpus: os.cpus().length, loadavg: loads, notes,
    ms: Object.fromEntries(cases.map((c) => [c.name, rounded(stats[c.name], errors.get(c.name)?.length ?? 0)])),
    fleets: Object.fromEntries(fleets.map((f) => [f.name, fleetJson(f)])),
    ratios, targets,
  }));
}

/** The table of cases 2 and 3. */
function printFleets(fleets: FleetResult[]): void {
  console.log(`${CONTAINERS} × run -d ${IMAGE} ${SLEEP.join(' ')} on the default network, one after the other; then idle`);
  const head = ['engine', 'started', 'failed', 'all s', 'per ctr ms', 'median ms', 'p90 ms', 'MiB/ctr', 'freed MiB/ctr', 'conmon RSS MiB', 'PSS MiB', 'IPs', 'load'];
  console.log(table(head, fleets.map((f) => [
    f.name, String(f.started), String(f.failed), (f.wallMs / 1000).toFixed(1), ms(f.wallMs / (f.started || NaN)), ms(f.perStart.median), ms(f.perStart.p90),
    mib(f.perContainerKiB), mib(f.freedPerContainerKiB), mib(f.conmonRssKiB), mib(f.processPssKiB), String(f.addresses), f.load.toFixed(2),
  ]), 1));
  console.log('MiB/ctr = (MemAvailable before the starts − with all up and idle) / containers, from /proc/meminfo: the conmon monitor,');
  console.log("the container's sleep, its netns, veth and other kernel objects, its overlay mount, the engine's own records — and whatever");
  console.log('else the shared host did meanwhile; freed MiB/ctr = the same from MemAvailable after removing them all, as a cross-check.');
  console.log('conmon RSS MiB = mean VmRSS of the containers\' conmon (/proc/<pid>/status; shared pages counted in full); PSS MiB = mean');
  console.log("PSS of conmon plus the container's sleep (/proc/<pid>/smaps_rollup; shared pages split): user space only, unaffected by the host.");
}

/** One fleet's figures, rounded, for the JSON line. */
function fleetJson(f: FleetResult) {
  const one = (x: number | null) => (x === null ? null : +x.toFixed(1));
  return {
    started: f.started, failed: f.failed, wallMs: +f.wallMs.toFixed(1), perContainerMs: one(f.wallMs / (f.started || NaN)),
    perStartMs: rounded(f.perStart, f.failed), memAvailableKiB: f.memKiB,
    memoryPerContainerKiB: one(f.perContainerKiB), freedPerContainerKiB: one(f.freedPerContainerKiB), conmonRssKiB: one(f.conmonRssKiB), processPssKiB: one(f.processPssKiB), conmons: f.conmons, addresses: f.addresses, load: f.load,
  };
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

/**
 * Engine benchmark (`npm run bench:engine`): `run --rm busybox true` with
 * `--network none`, timed on this machine in one run, for
 *
 *   api     the Engine API, with the calls `docker run --rm` makes
 *   api-userns  the same with `--userns=auto`
 *   api-quota   the same with `--storage-opt size=1G` (a quota'd writable layer)
 *   api-hardened  both: the platform's containers run so (issue 13: hardening
 *           must cost < 20 %)
 *   cli     `tspaas container run --rm` (node start-up included)
 *   docker  the stock docker CLI against our socket (when installed)
 *   podman  Debian's podman on a private store with the same image
 *   podman-userns  podman with `--userns=auto` (or, without a `containers`
 *           entry in /etc/subuid, the same kind of map given as --uidmap)
 *   crun    raw `crun run` of a prepared bundle: the floor
 *
 * Cases run interleaved, round after round, so drift hits all alike. Prints a
 * table, then as the last line one JSON object with the figures and ratios.
 * Exits 1 when a case on our engine (api*, cli, docker) had a failed run.
 *
 * Knobs: BENCH_ITERATIONS (30), BENCH_WARMUP (3), BENCH_KEEP=1 keeps the temp dir.
 */
import http from 'node:http';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/exec.js';
import { expect, exportImage, request, runRm } from './api-run.js';
import { load, machine, quotaStore, unmountUnder } from './host.js';
import { startEngine, type EngineProcess } from './tspaasd.js';
import { podmanArgv, prepareCrunBundle, preparePodman, timeCommand, which } from './peers.js';
import { exitOnFailures, failedCases, measure, since, type Case } from './rounds.js';
import { ms, summarize, table, type Summary } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const KEEP = process.env.BENCH_KEEP === '1';
const IMAGE = 'busybox';
const CMD = ['true'];
/** The cases that run on our engine (the subject); the others are peers, whose failures are only noted. */
const SUBJECT = ['api', 'api-userns', 'api-quota', 'api-hardened', 'cli', 'docker'];

/** The cases that can run here; peers that are missing are reported and left out. */
async function prepareCases(dir: string, engine: EngineProcess, saveTar: string, notes: string[]): Promise<Case[]> {
  const agent = new http.Agent({ keepAlive: true });
  const cases: Case[] = [{
    name: 'api', what: 'Engine API (create, attach, wait, start)',
    once: async () => {
      const start = process.hrtime.bigint();
      const code = await runRm(engine.socket, IMAGE, CMD, agent);
      if (code !== 0) throw new Error(`api: exit code ${code}`);
      return since(start);
    },
  }];
  const variants: [string, string, Record<string, unknown>][] = [
    ['api-userns', 'Engine API, --userns=auto', { UsernsMode: 'auto' }],
    ['api-quota', 'Engine API, --storage-opt size=1G', { StorageOpt: { size: '1G' } }],
    ['api-hardened', 'Engine API, --userns=auto and size=1G', { UsernsMode: 'auto', StorageOpt: { size: '1G' } }],
  ];
  for (const [name, what, hostConfig] of variants) {
    cases.push({
      name, what,
      once: async () => {
        const start = process.hrtime.bigint();
        const code = await runRm(engine.socket, IMAGE, CMD, agent, 'none', hostConfig);
        if (code !== 0) throw new Error(`${name}: exit code ${code}`);
        return since(start);
      },
    });
  }
  const runArgs = ['run', '--rm', '--network', 'none', IMAGE, ...CMD];
  const timed = (argv: string[], env?: Record<string, string>) => async () => (await timeCommand({ argv, env })).ms;
  cases.push({
    name: 'cli', what: 'tspaas container run --rm',
    once: timed([process.execPath, path.join(REPO, 'dist/cli/main.js'), '-H', `unix://${engine.socket}`, 'container', ...runArgs]),
  });
  const docker = await which('docker');
  if (docker) {
    const config = path.join(dir, 'docker-config');
    await fsp.mkdir(config, { recursive: true });
    cases.push({ name: 'docker', what: 'docker CLI → our socket', once: timed([docker, '-H', `unix://${engine.socket}`, ...runArgs], { DOCKER_CONFIG: config }) });
  } else notes.push('docker CLI not installed: case skipped');
  const podman = await which('podman');
  if (podman) {
    const store = path.join(dir, 'podman');
    const setup = await preparePodman(podman, store, saveTar, IMAGE, CMD);
    const version = (await run(podman, ['--version'])).stdout.trim().replace(/^podman version /, '');
    notes.push(`podman ${version} with ${setup.runtime}${setup.runFlags.length ? `, run with ${setup.runFlags.join(' ')} (its default rlimits are refused here)` : ''}`);
    const podmanRun = ['run', '--rm', '--network', 'none', ...setup.runFlags, IMAGE, ...CMD];
    cases.push({ name: 'podman', what: 'podman run --rm', once: timed([...podmanArgv(podman, store), ...podmanRun]) });
    const userns = await podmanUsernsFlags(podman, store, setup.runFlags, notes);
    const podmanUserns = ['run', '--rm', '--network', 'none', ...setup.runFlags, ...userns, IMAGE, ...CMD];
    cases.push({ name: 'podman-userns', what: `podman run --rm ${userns.join(' ')}`, once: timed([...podmanArgv(podman, store), ...podmanUserns]) });
  } else notes.push('podman not installed: case skipped');
  const crun = await which('crun');
  if (crun) {
    const bundle = path.join(dir, 'bundle');
    await prepareCrunBundle(crun, bundle, saveTar, CMD);
    let n = 0;
    const root = path.join(dir, 'crun-state');
    cases.push({
      name: 'crun', what: 'raw crun run (floor)',
      once: async () => {
        const id = `bench-${process.pid}-${n++}`;
        const t = await timeCommand({ argv: [crun, '--root', root, 'run', '--bundle', bundle, id] });
        await run(crun, ['--root', root, 'delete', '-f', id], { allowFailure: true });
        return t.ms;
      },
    });
  } else notes.push('crun not installed: case skipped');
  return cases;
}

/** `--userns=auto` when this host's /etc/subuid lets podman use it, else an explicit map of the same size. */
async function podmanUsernsFlags(podman: string, store: string, runFlags: string[], notes: string[]): Promise<string[]> {
  const auto = ['--userns=auto'];
  const tried = await run(podman, [...podmanArgv(podman, store).slice(1), 'run', '--rm', '--network', 'none', ...runFlags, ...auto, IMAGE, ...CMD], { allowFailure: true });
  if (tried.code === 0) return auto;
  notes.push(`podman --userns=auto refused here (${tried.stderr.trim().split('\n').pop()}): podman-userns uses --uidmap/--gidmap 0:300000:65536`);
  return ['--uidmap', '0:300000:65536', '--gidmap', '0:300000:65536'];
}

/** Stop the engine, unmount what the peers left, remove the temp dir (unless BENCH_KEEP=1). */
async function cleanUp(dir: string, engine: EngineProcess | undefined): Promise<void> {
  await engine?.stop();
  await unmountUnder(dir);
  if (!KEEP) await fsp.rm(dir, { recursive: true, force: true });
  else process.stderr.write(`bench: kept ${dir}\n`);
}

async function main(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join('/var/tmp', 'tspaas-bench-'));
  const notes: string[] = [];
  let engine: EngineProcess | undefined;
  try {
    // The engine's storage on a quota filesystem of its own, so api-quota can bound a layer whatever /var/tmp is.
    await quotaStore(path.join(dir, 'engine'));
    engine = await startEngine(REPO, dir);
    const saveTar = path.join(dir, 'busybox.tar');
    await exportImage(engine.socket, IMAGE, saveTar);
    const info = JSON.parse(expect(await request(engine.socket, 'GET', '/info'), [200], 'info').body.toString()) as { DefaultRuntime?: string; ServerVersion?: string };
    notes.unshift(`tspaas engine ${info.ServerVersion ?? '?'} with ${info.DefaultRuntime ?? '?'}`);
    const cases = await prepareCases(dir, engine, saveTar, notes);
    const errors = new Map<string, string[]>();
    const loadBefore = load();
    const samples = await measure(cases, { warmup: WARMUP, iterations: ITERATIONS }, errors);
    for (const [name, list] of errors) notes.push(`${name}: ${list.length} failed run(s), e.g. ${list[0].slice(0, 300)}`);
    report(cases, samples, notes, errors, loadBefore);
    exitOnFailures(failedCases(cases.map((c) => c.name).filter((n) => SUBJECT.includes(n)), samples, errors));
  } finally {
    await cleanUp(dir, engine).catch((err: unknown) => process.stderr.write(`bench: clean-up of ${dir} failed: ${String(err)}\n`));
  }
}

/** Print the table and the final JSON line. */
function report(cases: Case[], samples: Map<string, number[]>, notes: string[], errors: Map<string, string[]>, loadBefore: number): void {
  const timed = cases.filter((c) => samples.get(c.name)!.length > 0);
  const stats = Object.fromEntries(timed.map((c) => [c.name, summarize(samples.get(c.name)!)])) as Record<string, Summary>;
  const ratio = (a: string, b: string) => (stats[a] && stats[b] ? Number((stats[a].median / stats[b].median).toFixed(3)) : null);
  const rows = cases.map((c) => {
    const s = stats[c.name] ?? summarize([]);
    const vs = (peer: string) => {
      const r = ratio(c.name, peer);
      return c.name === peer || r === null ? '' : `${r.toFixed(2)}×`;
    };
    return [c.name, c.what, ms(s.median), ms(s.p90), ms(s.min), vs('podman'), vs('crun'), String(errors.get(c.name)?.length ?? 0)];
  });
  console.log(`run --rm --network none ${IMAGE} ${CMD.join(' ')}: ${ITERATIONS} runs each after ${WARMUP} warm-ups, interleaved`);
  console.log(`${machine()}, load average before/after ${loadBefore} / ${load()}`);
  for (const n of notes) console.log(`  ${n}`);
  console.log();
  console.log(table(['case', 'what', 'median ms', 'p90 ms', 'min ms', '÷ podman', '÷ crun', 'failed'], rows));
  const targets = {
    apiAtMostThirdOfPodman: stats.podman && stats.api ? stats.api.median <= stats.podman.median / 3 : null,
    apiWithin3xOfCrun: stats.crun && stats.api ? stats.api.median <= stats.crun.median * 3 : null,
    hardeningCostUnder20Percent: stats['api-hardened'] && stats.api ? stats['api-hardened'].median <= stats.api.median * 1.2 : null,
  };
  console.log();
  console.log(`targets: api ≤ podman/3: ${targets.apiAtMostThirdOfPodman}; api ≤ 3× crun: ${targets.apiWithin3xOfCrun}; userns + quota cost < 20 %: ${targets.hardeningCostUnder20Percent}`);
  const round = (s: Summary, name: string) => ({ n: s.n, failed: errors.get(name)?.length ?? 0, median: +s.median.toFixed(2), p90: +s.p90.toFixed(2), min: +s.min.toFixed(2), mean: +s.mean.toFixed(2) });
  console.log(JSON.stringify({
    bench: 'engine-run-rm', date: new Date().toISOString(), iterations: ITERATIONS, warmup: WARMUP, cpus: os.cpus().length,
    loadavg: [loadBefore, load()],
    notes, ms: Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, round(s, k)])),
    ratios: {
      apiToPodman: ratio('api', 'podman'), cliToPodman: ratio('cli', 'podman'), dockerToPodman: ratio('docker', 'podman'),
      apiUsernsToApi: ratio('api-userns', 'api'), apiQuotaToApi: ratio('api-quota', 'api'), apiHardenedToApi: ratio('api-hardened', 'api'), apiHardenedToPodmanUserns: ratio('api-hardened', 'podman-userns'), podmanUsernsToPodman: ratio('podman-userns', 'podman'), apiUsernsToPodmanUserns: ratio('api-userns', 'podman-userns'),
      apiToCrun: ratio('api', 'crun'), cliToCrun: ratio('cli', 'crun'), podmanToCrun: ratio('podman', 'crun'),
    },
    targets,
  }));
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

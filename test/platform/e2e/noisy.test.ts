/**
 * Issue 13, parts 3-5: noisy neighbours, the cases of the issue's "Done
 * when". Two teams on one real tspaasd + router,
 * each with an app (busybox httpd) deployed with `git push`. Team A makes
 * noise from a `tspaas run` one-off of its app — a CPU spin on every core, a
 * fork bomb, a memory balloon, a disk filler, a log flood — each bounded in
 * time; while it runs, team B's
 * app is measured through the router and tspaasd's API is called.
 *
 * The bound each test states: B's p99 under noise ≤ 5 × B's idle p99 + 50 ms,
 * idle measured just before and just after the noise (the larger of the two:
 * other work on a shared CI host comes and goes, and is not A's noise). The floor keeps a few-millisecond idle p99
 * on a 2-core CI machine shared with other test runs from making the bound
 * meaningless; 5× is what the issue names. When B's p99 is over, the noise
 * runs once more and the second run decides (a load spike from other tests
 * passes; A's noise reaching B does not). tspaasd's API answers every call
 * within 3 s. Both hold because every container runs at its plan: A's
 * one-off (plan basic: CPU quota 1 core, weight 512, 256 pids; memory as
 * asked) can take at most one of the two cores, cannot fork past its pids
 * limit, and is OOM-killed at its memory limit.
 *
 * The disk filler and the log flood also hold the host's free disk (statfs
 * of the filesystem under tspaasd's engine storage) to the configured bounds
 * plus a stated slack: the filler's plan `filler` has a 64 MiB writable layer
 * (`--plan …,disk=64M`), and every write stops there with the quota's error
 * inside; the flood's log stays within (max-file + 2) × max-size, the app's
 * log archive within twice --log-archive-size, and `GET …/logs?tail=10`
 * (what `tspaas logs --tail 10` calls) answers within a second throughout
 * (the issue's bound; the CLI itself is timed only for the log, as its own
 * start under tsx takes longer than that on a loaded host).
 *
 * The attacks are the classic ones: a busy loop per core, the shell fork bomb
 * `f(){ f|f& }; f` (Jaromil's, 2002), one huge allocation (`dd bs=…`
 * allocates its whole block, as the cgroup memory tests of Docker's
 * integration suite do with a large `bs`), `dd if=/dev/zero` until the
 * write fails (the issue, part 5: "writing past the limit gives ENOSPC inside
 * the container and nothing outside"), and `yes` to stdout (the issue's
 * report: 8.8 GB of log in 30 s).
 */
import test from 'ava';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promises as fsp } from 'node:fs';
import { readPidsLimitHits, readStats } from '../../../runtime/containers/cgroups.js';
import { DEFAULT_PLANS } from '../../../platform/plans.js';
import { KEEP_BYTES } from '../../../platform/scheduler/log-archive.js';
import type { Plan } from '../../../platform/types.js';
import { createTenant, engineGet, eventually, makeRepo, must, startWorld, viaRouter, type Result, type Tenant, type World } from './world.js';

const httpd = (page: string) => ({ Dockerfile: `FROM busybox:latest\nRUN mkdir /www && echo ${page} > /www/index.html\nCMD httpd -f -p $PORT -h /www\n` });
/** How long A's noise runs; B is measured for MEASURE_MS of it, after NOISE_RAMP_MS. */
const NOISE_SECONDS = 12;
const NOISE_RAMP_MS = 1500;
const MEASURE_MS = 7000;
const IDLE_REQUESTS = 200;
const API_BOUND_MS = 3000;
/** Runs of the noise when B's p99 is over its bound (withNoise). */
const NOISE_ATTEMPTS = 2;
/** Part 5: the writable layer of plan `filler` (basic's memory, CPU and pids), small so the filler reaches it in a moment. */
const FILLER_DISK = 64 * 2 ** 20;
/** Part 3: a container's log under tspaasd's default --log-opt max-size=10m, max-file=3 is at most (max-file + 2) × max-size (docs/engine.md, Logs). */
const LOG_BOUND = (3 + 2) * 10_000_000;
/** Part 3: an app's log archive is at most twice --log-archive-size (default 1 MiB; docs/platform.md, Logs are bounded). */
const ARCHIVE_BOUND = 2 * KEEP_BYTES;
/**
 * What a tenant's files may take beyond their bound: filesystem metadata and the blocks a write rounds up to. The
 * bound is checked on what the tenant's one-off itself holds on the host's disk (its writable layer, its logs, the
 * archive), not on the host's free disk: other test runs write to the same filesystem on a shared CI host (seen: over
 * 320 MiB during one check), so the free disk's drop is only logged. Unbounded, either attack takes gigabytes in the
 * measured time (the issue: 8.8 GB of log in 30 s).
 */
const DISK_SLACK = 4 * 2 ** 20;
/** The issue's "Done when": `logs --tail 10` answered in under a second. */
const TAIL_BOUND_MS = 1000;
const FLOOD_LINE = 'noisy-flood: a tenant that logs as fast as it can';
/** The default plans (their specs as an operator writes them), and `filler`: basic with a FILLER_DISK layer. */
const PLAN_FLAGS = [...DEFAULT_PLANS, { ...DEFAULT_PLANS[0], name: 'filler', diskBytes: FILLER_DISK }].flatMap((p) => ['--plan', planSpec(p)]);

let world: World;
let a: Tenant;
let b: Tenant;
let repoA: string;
test.before(async () => {
  world = await startWorld({ args: PLAN_FLAGS });
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
  const { run, during } = await withNoise(t, spin, [], async (cgroup) => {
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
  const { run, during } = await withNoise(t, `(f(){ f|f& }; f) 2>/dev/null & exec sleep ${NOISE_SECONDS}`, [], async (cgroup) => {
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
  const { run } = await withNoise(t, balloon, ['-s', '64M'], async () => { await sleep(1000); return {}; });
  t.is(run.code, 0, run.stderr);
  const exits = run.stdout.trim().split('\n').filter((l) => l.startsWith('dd exit'));
  t.log(`${exits.length} allocations of 256M in a 64M one-off`);
  t.true(exits.length >= 3, run.stdout);
  t.deepEqual([...new Set(exits)], ['dd exit 137'], 'every allocation past the limit was killed (SIGKILL by the OOM killer)');
});

test.serial('a disk filler: each write stops at the plan\'s disk inside the one-off, the host\'s free disk drops by no more, B\'s p99 and the API stay within bounds', async (t) => {
  // Fill the writable layer until the write fails, say how and how much, remove, sync (the filesystem frees it then), again.
  const fill = `end=$(( $(date +%s) + ${NOISE_SECONDS} )); while [ $(date +%s) -lt $end ]; do dd if=/dev/zero of=/fill bs=1M 2>&1 | grep -oE 'No space left on device|Disk quota exceeded'; echo "filled $(wc -c < /fill)"; rm /fill; sync; done`;
  let free = 0;
  const { run, during } = await withNoise(t, fill, ['-s', 'filler'], (_cgroup, id, until) => watchDisk(id, until), async () => { free = await hostFree(); });
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split(/\r?\n/);
  const filled = lines.filter((l) => l.startsWith('filled ')).map((l) => Number(l.slice(7)));
  const errors = lines.filter((l) => !l.startsWith('filled '));
  t.log(`${filled.length} fills of the ${FILLER_DISK >> 20} MiB layer: ${[...new Set(filled.map((b) => (b / 2 ** 20).toFixed(1)))].join(', ')} MiB; ${[...new Set(errors)].join(', ')}; its layer took at most ${(during.layer / 2 ** 20).toFixed(1)} MiB of the host's disk (free disk dropped by ${((free - during.lowest) / 2 ** 20).toFixed(1)} MiB, other tests included)`);
  t.true(filled.length >= 2, run.stdout);
  t.is(errors.length, filled.length, `every fill ended with the quota's error: ${run.stdout}`);
  t.true(errors.every((e) => /^(No space left on device|Disk quota exceeded)$/.test(e)), run.stdout);
  // At about the bound: no more than it, and most of it (the filesystem counts the layer's metadata and files too).
  t.true(filled.every((b) => b <= FILLER_DISK && b >= FILLER_DISK / 2), `fills of ${filled.join(', ')} bytes against a ${FILLER_DISK}-byte layer`);
  // Sampled every 50 ms while the layer fills and empties again: the fullest sample is most of the bound, never more.
  t.true(during.layer >= FILLER_DISK / 2, `the layer was seen filling (${during.layer} bytes at most)`);
  t.true(during.layer <= FILLER_DISK + DISK_SLACK, `the host lost at most the layer's ${FILLER_DISK >> 20} MiB + ${DISK_SLACK >> 20} MiB to it (${during.layer} bytes)`);
});

test.serial('a log flood: the one-off\'s log stays within (max-file + 2) × max-size, the app\'s archive within 2 × --log-archive-size, logs --tail 10 answers within a second, B\'s p99 and the API stay within bounds', async (t) => {
  // The issue's report: a flood filled 8.8 GB in 30 s, and a tail of a big log took tspaasd down. Detached: output goes only to the log.
  let free = 0;
  const { run, during } = await withNoise(t, `yes '${FLOOD_LINE}' & exec sleep ${NOISE_SECONDS}`, ['-d'], (_cgroup, id, until) => watchFlood(id, until), async () => { free = await hostFree(); });
  t.is(run.code, 0, run.stderr);
  const archive = await archiveFiles();
  const cli = await timed(() => a.tspaas(['logs', '--tail', '10'], repoA));
  t.log(`A's log at most ${(during.logBytes / 1e6).toFixed(1)} MB on disk over ${during.files} files (bound ${LOG_BOUND / 1e6} MB); archive ${archive.map((f) => f.bytes >> 10).join(', ')} KiB (bound ${ARCHIVE_BOUND >> 10} KiB); its layer at most ${(during.layer / 2 ** 20).toFixed(1)} MiB; host free disk dropped by ${((free - during.lowest) / 2 ** 20).toFixed(1)} MiB, other tests included`);
  t.log(`GET …/logs?tail=10 during the flood: max ${during.tailMs.toFixed(0)} ms over ${during.tails} calls; \`tspaas logs --tail 10\` after it: ${cli.ms.toFixed(0)} ms`);
  t.true(during.files >= 3, 'the flood rotated the log');
  t.true(during.logBytes <= LOG_BOUND, `${during.logBytes} bytes of log`);
  t.true(archive.every((f) => f.bytes <= ARCHIVE_BOUND), `archive files of ${archive.map((f) => f.bytes).join(', ')} bytes`);
  t.true(archive.some((f) => f.flood), 'the one-off\'s last lines went to the archive when it was removed');
  const held = during.logBytes + during.layer + archive.filter((f) => f.flood).reduce((sum, f) => sum + f.bytes, 0);
  t.true(held <= LOG_BOUND + ARCHIVE_BOUND + DISK_SLACK, `the host lost at most the log bounds + slack to the flood (${held} bytes)`);
  t.true(during.tails >= 3 && during.sawFlood && during.tailMs < TAIL_BOUND_MS, `the tail answered within ${TAIL_BOUND_MS} ms, with the flood's lines`);
  t.is(cli.value.code, 0, cli.value.stderr);
  t.true(cli.value.stdout.split('\n').filter((l) => l.includes(FLOOD_LINE)).length >= 10, cli.value.stdout.slice(-2000));
});

test.serial('sizes larger than anything on offer are refused through the CLI with the reason, and the operator sees them', async (t) => {
  // The issue's report: `tspaas run -s 1000G` set a 1000 GB limit on a 24 GB host.
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
 * Measure B idle, start A's noise as a `tspaas run` one-off of A's app (with
 * `flags`: a size, `-d`), wait for its container, then measure B and call the
 * API for MEASURE_MS (until `until`) while `probe` looks at A's cgroup and
 * container (`atStart` runs just before the one-off); assert the bounds; return the run's result.
 */
async function withNoise<T>(t: { log(...v: unknown[]): void; true(v: boolean, m?: string): void }, line: string, flags: string[],
  probe: (cgroup: string, id: string, until: number) => Promise<T>, atStart?: () => Promise<void>): Promise<{ run: Result; during: T }> {
  for (let attempt = 1; ; attempt++) {
    const before = p99(await latencies(() => false, IDLE_REQUESTS));
    await atStart?.();
    const run = a.tspaas(['run', ...flags, line], repoA);
    const id = await eventually(oneOffOf('noisy'), 'A\'s one-off running', 30_000);
    await sleep(NOISE_RAMP_MS);
    const until = performance.now() + MEASURE_MS;
    const [busy, api, during] = await Promise.all([
      latencies(() => performance.now() > until), apiLatencies(() => performance.now() > until), probe(cgroupOf(id), id, until),
    ]);
    const result = await run;
    await eventually(async () => !(await oneOffOf('noisy')()), 'A\'s one-off gone', 30_000);
    const idle = Math.max(before, p99(await latencies(() => false, IDLE_REQUESTS)));
    const bound = 5 * idle + 50;
    t.log(`attempt ${attempt}: B idle p99 ${idle.toFixed(1)} ms; under noise p99 ${p99(busy).toFixed(1)} ms over ${busy.length} requests `
      + `(bound ${bound.toFixed(1)} ms); API max ${Math.max(...api).toFixed(0)} ms; host load ${os.loadavg()[0].toFixed(1)}`);
    // Once more when B's p99 alone is over: other tests on a shared CI host come and go (a full run saw 308 ms against 296 at
    // load 38). A's noise reaching B is there every time, so it fails both attempts.
    if (p99(busy) > bound && attempt < NOISE_ATTEMPTS) continue;
    t.true(p99(busy) <= bound, `B's p99 ${p99(busy).toFixed(1)} ms is within ${bound.toFixed(1)} ms`);
    t.true(api.length >= 5 && Math.max(...api) <= API_BOUND_MS, `tspaasd's API answered every call within ${API_BOUND_MS} ms`);
    return { run: result, during };
  }
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

/** A plan as `--plan` takes it. */
function planSpec(p: Plan): string {
  const disk = p.diskBytes ? `,disk=${p.diskBytes / 2 ** 20}M` : '';
  return `${p.name}:memory=${p.memoryBytes / 2 ** 20}M,cpus=${p.cpus},shares=${p.cpuShares},pids=${p.pidsLimit}${disk}`;
}

/** Free bytes (as df shows them) of the filesystem that holds tspaasd's engine storage. */
async function hostFree(): Promise<number> {
  const s = await fsp.statfs(path.join(world.platform.root, 'engine'));
  return s.bavail * s.bsize;
}

/** Every 50 ms until `until`: the least free disk seen, and the most the container's writable layer held. */
async function watchDisk(id: string, until: number): Promise<{ lowest: number; layer: number }> {
  const seen = { lowest: Infinity, layer: 0 };
  while (performance.now() < until) {
    seen.lowest = Math.min(seen.lowest, await hostFree());
    seen.layer = Math.max(seen.layer, await layerBytes(id));
    await sleep(50);
  }
  return seen;
}

/** Bytes of the host's disk that a container's writable layer holds: the allocated blocks of everything in its upper dir. */
async function layerBytes(id: string): Promise<number> {
  const upper = path.join(world.platform.root, 'engine', 'snapshots', 'active', id, 'upper');
  let total = 0;
  for (const e of await fsp.readdir(upper, { recursive: true, withFileTypes: true }).catch(() => [])) {
    const st = await fsp.lstat(path.join(e.parentPath ?? e.path, e.name)).catch(() => null);
    if (st) total += st.blocks * 512;
  }
  return total;
}

/** Every 200 ms until `until`: the most the container's log takes, the files it wrote, the least free disk, and a timed `GET …/logs?tail=10` of A's app. */
async function watchFlood(id: string, until: number) {
  const seen = { logBytes: 0, written: new Set<number>(), lowest: Infinity, layer: 0, tailMs: 0, tails: 0, sawFlood: false };
  while (performance.now() < until) {
    const disk = await logDisk(id);
    seen.logBytes = Math.max(seen.logBytes, disk.bytes);
    if (disk.current) seen.written.add(disk.current);
    seen.lowest = Math.min(seen.lowest, await hostFree());
    seen.layer = Math.max(seen.layer, await layerBytes(id));
    const tail = await timed(() => fetch(`${world.platform.apiUrl}/v1/apps/noisy/logs?tail=10`, { headers: { authorization: `Bearer ${a.token}` } }).then(async (r) => ({ status: r.status, body: await r.text() })));
    if (tail.value.status !== 200) throw new Error(`logs?tail=10 answered ${tail.value.status}: ${tail.value.body}`);
    seen.tailMs = Math.max(seen.tailMs, tail.ms);
    seen.tails++;
    seen.sawFlood ||= tail.value.body.includes(FLOOD_LINE);
    await sleep(200);
  }
  return { ...seen, files: seen.written.size };
}

/** Bytes on disk of a container's log: every distinct file among ctr.log* (keep/next are second names), and the inode being written. */
async function logDisk(id: string): Promise<{ bytes: number; current: number }> {
  const dir = path.join(world.platform.root, 'engine', 'containers', id);
  const sizes = new Map<number, number>();
  let current = 0;
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const st = name.startsWith('ctr.log') ? await fsp.stat(path.join(dir, name)).catch(() => null) : null;
    if (!st) continue;
    sizes.set(st.ino, st.size);
    if (name === 'ctr.log') current = st.ino;
  }
  return { bytes: [...sizes.values()].reduce((x, y) => x + y, 0), current };
}

/** The apps' log archives (`<data>/logs/apps/*.ndjson`): size, and whether it holds the flood's lines. */
async function archiveFiles(): Promise<Array<{ bytes: number; flood: boolean }>> {
  const dir = path.join(world.platform.root, 'platform', 'logs', 'apps');
  const names = (await fsp.readdir(dir)).filter((n) => n.endsWith('.ndjson'));
  return Promise.all(names.map(async (n) => {
    const text = await fsp.readFile(path.join(dir, n), 'utf8');
    return { bytes: Buffer.byteLength(text), flood: text.includes(FLOOD_LINE) };
  }));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

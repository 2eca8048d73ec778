/**
 * Router benchmark (`npm run bench:router`): wrk on loopback, the same two
 * node backends behind each case, the same worker count:
 *
 *   direct       wrk → backend (no proxy: the ceiling)
 *   tspaas-fast  wrk → tspaas-router --data-path=fast (node cluster) → backends
 *   tspaas       wrk → tspaas-router --data-path=http-proxy → backends
 *   nginx        wrk → nginx (Debian) as an equivalent reverse proxy → backends
 *   caddy        wrk → Caddy (Debian) the same → backends
 *   haproxy      wrk → HAProxy (Debian) the same → backends
 *
 * Every proxy keeps upstream connections alive, sets X-Forwarded-* and a
 * request id, round-robins over the backends and writes an access log to a
 * file (HAProxy only logs to syslog: none here). Reports requests/s, p50 and p99 latency and the proxy's CPU time per
 * request (all its processes); prints a table, then as the last line one JSON
 * object with the figures, `ratio_vs_nginx`, `ratio_vs_caddy` and
 * `ratio_vs_haproxy` (rps ratios of the fast path; `http_proxy` holds the
 * same for the http-proxy path), and `websocket`: echo round trips
 * (bench/router-ws.ts) directly and through both data paths. Exits 1 when
 * a tspaas-router case had failed requests or served none.
 *
 * Then route changes: BENCH_CHANGES (20) commits that each add an app to the
 * route table, timed from COMMIT until every tspaas-router worker serves the
 * new table (the workers' own appliedAt clocks); the issue's promise is
 * 100 ms. Reported as median and max (`route_change_ms`).
 *
 * Needs PostgreSQL for the route table: DATABASE_URL, else the suite's
 * private one from scripts/services.sh. Installs wrk, nginx and caddy with
 * apt-get when missing (services stopped and disabled afterwards).
 *
 * Knobs: BENCH_SECONDS (10 per run), BENCH_WARMUP_SECONDS (3, before the
 * first round), BENCH_ROUNDS (3), BENCH_WS_ROUNDS (25, after 3 untimed: a
 * WebSocket p99 of 2000 trips moves 3× between runs), BENCH_CONNECTIONS (64), BENCH_WORKERS
 * (one per core), BENCH_KEEP=1 keeps the temp dir.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { run } from '../lib/exec.js';
import { migrate } from '../platform/db/migrate.js';
import {
  cpuSeconds, ensureTools, freePort, runWrk, startBackend, startCaddy, startHaproxy, startNginx, startProc, waitForPort, type Proc, type WrkResult,
} from './router-peers.js';
import { echoRoundTrips, startEcho, type EchoFigures } from './router-ws.js';
import { quantile, table } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const WORKERS = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WS_ROUNDS = Number(process.env.BENCH_WS_ROUNDS ?? 25);
const WS_WARMUP_ROUNDS = 3;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 20);
const KEEP = process.env.BENCH_KEEP === '1';
const HOST = 'bench.localhost';
const WS_HOST = 'wsecho.localhost';

/** One proxy (or none) in front of the backends. */
interface Case {
  name: string;
  what: string;
  /** `admin`: tspaas-router's admin port. */
  start(): Promise<{ port: number; proc: Proc | null; admin?: number }>;
}

/** A WebSocket echo case: name, port, Host header. */
type WsCase = [string, number, string];

interface Figures extends WrkResult {
  cpuUsPerReq: number | null;
  /** One-minute load average of the host when the run started. */
  load: number;
}

/** The suite's PostgreSQL when DATABASE_URL is not set. */
async function databaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const { stdout } = await run('bash', [path.join(REPO, 'scripts/services.sh')]);
  const m = /DATABASE_URL=(\S+)/.exec(stdout);
  if (!m) throw new Error('scripts/services.sh printed no DATABASE_URL');
  return m[1];
}

/** A fresh database with the route table and one app on `backends`; returns its URL and a drop function. */
async function prepareRoutes(serverUrl: string, backends: number[], wsBackend: number): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tspaas_router_bench_${randomBytes(4).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const sql = async (url: string, text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { await c.query(text, params); } finally { await c.end(); }
  };
  await sql(admin.toString(), `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  await sql(url.toString(), "INSERT INTO router_routes (app) VALUES ('bench')");
  for (const port of backends) await sql(url.toString(), "INSERT INTO router_backends (app, address, port) VALUES ('bench', '127.0.0.1', $1)", [port]);
  await sql(url.toString(), "INSERT INTO router_routes (app) VALUES ('wsecho')");
  await sql(url.toString(), "INSERT INTO router_backends (app, address, port) VALUES ('wsecho', '127.0.0.1', $1)", [wsBackend]);
  return { url: url.toString(), drop: () => sql(admin.toString(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The cases: no proxy, both router data paths, and the peers. */
function cases(dir: string, backends: number[], routesUrl: string): Case[] {
  return [
    { name: 'direct', what: 'wrk → backend (no proxy)', start: async () => ({ port: backends[0], proc: null }) },
    tspaasCase('tspaas-fast', 'fast', dir, routesUrl),
    tspaasCase('tspaas', 'http-proxy', dir, routesUrl),
    { name: 'nginx', what: `nginx, ${WORKERS} workers`, start: async () => { const port = await freePort(); return { port, proc: await startNginx(dir, port, backends, WORKERS) }; } },
    { name: 'caddy', what: `Caddy, GOMAXPROCS=${WORKERS}`, start: async () => { const port = await freePort(); return { port, proc: await startCaddy(dir, port, backends, WORKERS) }; } },
    { name: 'haproxy', what: `HAProxy, ${WORKERS} threads`, start: async () => { const port = await freePort(); return { port, proc: await startHaproxy(dir, port, backends, WORKERS) }; } },
  ];
}

/** tspaas-router on one data path (`--data-path`). */
function tspaasCase(name: string, dataPath: 'fast' | 'http-proxy', dir: string, routesUrl: string): Case {
  return {
    name, what: `tspaas-router --data-path=${dataPath}, ${WORKERS} workers`,
    start: async () => {
      const [port, admin] = [await freePort(), await freePort()];
      const proc = startProc([process.execPath, path.join(REPO, 'dist/router/main.js'), '--database-url', routesUrl, '--bind', '127.0.0.1',
        '--http-port', String(port), '--https-port', '0', '--admin-port', String(admin), '--workers', String(WORKERS),
        '--access-log', path.join(dir, `${name}-access.log`), '--state-dir', path.join(dir, name), '--log-level', 'warn', '--data-path', dataPath]);
      await waitForPort(port, 'tspaas-router');
      await waitForPort(admin, 'tspaas-router admin');
      await waitForRoutes(admin);
      return { port, proc, admin };
    },
  };
}

interface WorkerStats { generation: number; appliedAt: number }

/** Until every router worker serves generation `atLeast` of the route table; returns their stats. */
async function waitForRoutes(adminPort: number, atLeast = 1, pollMs = 50): Promise<WorkerStats[]> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const stats = await fetch(`http://127.0.0.1:${adminPort}/stats`).then((r) => r.json() as Promise<{ workers: WorkerStats[] }>, () => null);
    if (stats !== null && stats.workers.length === WORKERS && stats.workers.every((w) => w.generation >= atLeast)) return stats.workers;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`tspaas-router workers did not reach route table generation ${atLeast}`);
}

/**
 * `CHANGES` route changes, one at a time: ms from COMMIT until the last
 * worker applied it. Each change adds an app (a row in router_routes, one in
 * router_backends) in one transaction, as the platform's route switch does.
 */
async function routeChanges(routesUrl: string, adminPort: number): Promise<number[]> {
  const c = new pg.Client({ connectionString: routesUrl });
  await c.connect();
  try {
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const before = Math.max(...(await waitForRoutes(adminPort)).map((w) => w.generation));
      await c.query('BEGIN');
      await c.query('INSERT INTO router_routes (app) VALUES ($1)', [`change${i}`]);
      await c.query("INSERT INTO router_backends (app, address, port) VALUES ($1, '127.0.0.1', 1)", [`change${i}`]);
      const committed = Date.now();
      await c.query('COMMIT');
      const workers = await waitForRoutes(adminPort, before + 1, 5);
      latencies.push(Math.max(...workers.map((w) => w.appliedAt)) - committed);
      await new Promise((r) => setTimeout(r, 100));
    }
    return latencies;
  } finally {
    await c.end();
  }
}

/** A started case: where wrk points, and what to charge CPU to. */
interface Running {
  c: Case;
  port: number;
  proc: Proc | null;
  admin?: number;
}

/** One wrk run against a started case (with a warm-up before its first). */
async function measure(r: Running, warm: boolean): Promise<Figures> {
  const wrk = { connections: CONNECTIONS, threads: 1 };
  if (warm && WARMUP > 0) await runWrk(r.port, HOST, { ...wrk, seconds: WARMUP });
  const pids = r.proc?.pids() ?? [];
  const cpu0 = cpuSeconds(pids);
  const load = os.loadavg()[0];
  const result = await runWrk(r.port, HOST, { ...wrk, seconds: SECONDS });
  const cpu = cpuSeconds(pids) - cpu0;
  return { ...result, load, cpuUsPerReq: r.proc === null || result.requests === 0 ? null : (cpu * 1e6) / result.requests };
}

/** The median of each figure over the rounds (rps, latencies and CPU taken separately). */
function median(runs: Figures[]): Figures {
  const of = (key: (x: Figures) => number) => mid(runs.map(key));
  return {
    requests: of((r) => r.requests), rps: of((r) => r.rps), p50Ms: of((r) => r.p50Ms), p99Ms: of((r) => r.p99Ms),
    errors: runs.reduce((s, r) => s + r.errors, 0), load: of((r) => r.load),
    cpuUsPerReq: runs[0].cpuUsPerReq === null ? null : of((r) => r.cpuUsPerReq!),
  };
}

async function main(): Promise<void> {
  const notes: string[] = [];
  await ensureTools(notes);
  await run('npm', ['run', '--silent', 'build'], { cwd: REPO });
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-bench-router-'));
  const backendPorts = [await freePort(), await freePort()];
  const backends = backendPorts.map((p) => startBackend(p));
  const echo = await startEcho();
  const routes = await prepareRoutes(await databaseUrl(), backendPorts, echo.port);
  const running: Running[] = [];
  const runs = new Map<string, Figures[]>();
  const wsRuns = new Map<string, EchoFigures[]>();
  let changes: number[];
  try {
    await Promise.all(backendPorts.map((p) => waitForPort(p, 'backend')));
    for (const c of cases(dir, backendPorts, routes.url)) running.push({ c, ...(await c.start()) });
    // Rounds interleave the cases, so a change in the host's load hits them all alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of running) {
        process.stderr.write(`bench: round ${round + 1}/${ROUNDS} ${r.c.name} (${r.c.what}) ${round === 0 ? `${WARMUP}s warm-up + ` : ''}${SECONDS}s…\n`);
        const list = runs.get(r.c.name) ?? [];
        list.push(await measure(r, round === 0));
        runs.set(r.c.name, list);
      }
    }
    // WebSocket echo round trips: directly and through both data paths, interleaved rounds after untimed ones
    // (the routers' tunnel code is cold after the HTTP rounds). The data paths take turns going first: a fixed
    // order gave the first one a steady few per cent more in the medians (both paths tunnel through http-proxy).
    const direct: WsCase = ['direct', echo.port, '127.0.0.1'];
    const routers = running.filter((r) => r.c.name.startsWith('tspaas')).map((r): WsCase => [r.c.name, r.port, WS_HOST]);
    for (let round = -WS_WARMUP_ROUNDS; round < WS_ROUNDS; round++) {
      for (const [name, port, host] of [direct, ...(round % 2 === 0 ? routers : [...routers].reverse())]) {
        const timed = round >= 0;
        process.stderr.write(`bench: ${timed ? `round ${round + 1}/${WS_ROUNDS}` : 'warm-up round'} WebSocket echo ${name}…\n`);
        const figures = await echoRoundTrips(port, host);
        if (timed) wsRuns.set(name, [...(wsRuns.get(name) ?? []), figures]);
      }
    }
    const tspaas = running.find((r) => r.c.name === 'tspaas-fast')!;
    process.stderr.write(`bench: ${CHANGES} route changes through tspaas-router…\n`);
    changes = await routeChanges(routes.url, tspaas.admin!);
  } finally {
    await Promise.all(running.map((r) => r.proc?.stop()));
    await Promise.all(backends.map((b) => b.stop()));
    await echo.close();
    await routes.drop().catch(() => undefined);
    if (!KEEP) await fsp.rm(dir, { recursive: true, force: true });
  }
  const ws = new Map([...wsRuns].map(([name, list]) => [name, { trips: list[0].trips, p50Us: mid(list.map((f) => f.p50Us)), p99Us: mid(list.map((f) => f.p99Us)) }]));
  const results = new Map([...runs].map(([name, list]) => [name, median(list)]));
  report(results, ws, changes, notes);
  // The subject is tspaas-router (both data paths): a failed request or no request at all fails the run.
  for (const name of ['tspaas-fast', 'tspaas']) {
    const r = results.get(name);
    if (r === undefined || r.rps === 0 || r.errors > 0) {
      process.stderr.write(`bench: ${name} failed: ${r === undefined ? 'no result' : `${r.errors} failed requests, ${Math.round(r.rps)} rps`}\n`);
      process.exitCode = 1;
    }
  }
}

/** The median of some numbers. */
function mid(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

function report(results: Map<string, Figures>, ws: Map<string, EchoFigures>, changes: number[], notes: string[]): void {
  const f = (x: number | null, digits = 1) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));
  const rows = [...results].map(([name, r]) => [name, f(r.rps, 0), f(r.p50Ms, 2), f(r.p99Ms, 2), f(r.cpuUsPerReq), String(r.errors), f(r.load, 1)]);
  process.stdout.write(`Router benchmark: wrk -t1 -c${CONNECTIONS} ${SECONDS}s on loopback, median of ${ROUNDS} interleaved rounds, ${WORKERS} workers each, `
    + `2 node backends; ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(`${table(['case', 'rps', 'p50 ms', 'p99 ms', 'CPU µs/req', 'errors', 'load'], rows, 1)}\n`);
  process.stdout.write(`note: every case shares the same ${os.availableParallelism()} cores (no pinning) with wrk, the backends and whatever else runs; `
    + '"load" is the one-minute load average when its runs started (median)\n');
  const wsRows = [...ws].map(([name, w]) => [name, String(w.trips), String(w.p50Us), String(w.p99Us)]);
  process.stdout.write(`\nWebSocket echo round trips (one connection, sequential, ${wsRows[0]?.[1]} per run, median of ${WS_ROUNDS} rounds):\n\n`);
  process.stdout.write(`${table(['case', 'trips', 'p50 µs', 'p99 µs'], wsRows, 1)}\n`);
  const sorted = [...changes].sort((a, b) => a - b);
  const change = { median: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted[sorted.length - 1] };
  process.stdout.write(`\nroute changes: ${changes.length} commits, applied in every tspaas-router worker after median ${change.median} ms, `
    + `max ${change.max} ms (target: 100 ms)\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  const get = (n: string) => results.get(n)!;
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const figures = Object.fromEntries([...results].map(([n, r]) => [n, {
    rps: Math.round(r.rps), p50_ms: r.p50Ms, p99_ms: r.p99Ms, cpu_us_per_req: r.cpuUsPerReq === null ? null : Math.round(r.cpuUsPerReq * 10) / 10, errors: r.errors,
    load: Math.round(r.load * 10) / 10,
  }]));
  process.stdout.write(`\n${JSON.stringify({
    bench: 'router', date: new Date().toISOString(), workers: WORKERS, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, cases: figures,
    // The fast path is the one held to the targets; the http-proxy path's figures follow for comparison.
    ratio_vs_nginx: ratio(get('tspaas-fast').rps, get('nginx').rps), ratio_vs_caddy: ratio(get('tspaas-fast').rps, get('caddy').rps),
    ratio_vs_haproxy: ratio(get('tspaas-fast').rps, get('haproxy').rps), p99_vs_nginx: ratio(get('tspaas-fast').p99Ms, get('nginx').p99Ms),
    http_proxy: {
      ratio_vs_nginx: ratio(get('tspaas').rps, get('nginx').rps), ratio_vs_caddy: ratio(get('tspaas').rps, get('caddy').rps),
      ratio_vs_haproxy: ratio(get('tspaas').rps, get('haproxy').rps), p99_vs_nginx: ratio(get('tspaas').p99Ms, get('nginx').p99Ms),
    },
    route_change_ms: { changes: changes.length, median_ms: change.median, max_ms: change.max },
    websocket: {
      rounds: WS_ROUNDS,
      ...Object.fromEntries([...ws].map(([n, w]) => [n, { p50_us: w.p50Us, p99_us: w.p99Us }])),
      // The promise: the fast path's round trip no slower than through the http-proxy path.
      p50_fast_vs_http_proxy: ratio(ws.get('tspaas-fast')!.p50Us, ws.get('tspaas')!.p50Us),
      p99_fast_vs_http_proxy: ratio(ws.get('tspaas-fast')!.p99Us, ws.get('tspaas')!.p99Us),
    },
  })}\n`);
}

await main();

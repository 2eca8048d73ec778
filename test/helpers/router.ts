/**
 * A real `tspaas-router` (cluster primary + workers, from the TypeScript
 * sources via tsx) on free loopback ports, real backends (small node servers
 * on 127.0.0.1), and the SQL the platform will write to the route table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { routersBehind, transactionId } from '../../platform/routing/live.js';
import { ROUTER_CHANNEL, type AdminStats } from '../../router/types.js';
import { freePort, type TestDatabase } from './postgres.js';
import { programArgs } from './programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestRouter {
  httpPort: number;
  httpsPort: number;
  adminPort: number;
  stateDir: string;
  /** The access log (stdout of the router), as received so far. */
  accessLog(): string;
  stats(): Promise<AdminStats>;
  /** Run `write` (route table changes) and wait until every worker serves a table loaded after it. */
  apply(write: () => Promise<unknown>): Promise<AdminStats>;
  /** Wait until every worker serves generation ≥ `generation`. */
  waitForGeneration(generation: number, timeoutMs?: number): Promise<AdminStats>;
  stop(): Promise<void>;
}

/** Start the router against `databaseUrl` and wait until all workers are up (and, by default, have routes). */
export async function startRouter(databaseUrl: string, opts: { workers?: number; args?: string[]; waitForRoutes?: boolean } = {}): Promise<TestRouter> {
  const [httpPort, httpsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-router-'));
  const workers = opts.workers ?? 2;
  const args = [...programArgs('router/main'), '--database-url', databaseUrl, '--bind', '127.0.0.1',
    '--http-port', String(httpPort), '--https-port', String(httpsPort), '--admin-port', String(adminPort),
    '--workers', String(workers), '--state-dir', stateDir, '--log-level', 'warn', ...(opts.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { log += s; });
  const stats = async () => JSON.parse((await get(adminPort, '/stats')).body) as AdminStats;
  const router: TestRouter = {
    httpPort, httpsPort, adminPort, stateDir,
    accessLog: () => log,
    stats,
    async waitForGeneration(generation, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`tspaas-router exited with ${child.exitCode}`);
        const s = await stats().catch(() => null);
        if (s !== null && s.workers.length === workers && s.workers.every((w) => w.generation >= generation)) return s;
        if (Date.now() > deadline) throw new Error(`router workers did not reach generation ${generation}: ${JSON.stringify(s?.workers)}`);
        await sleep(20);
      }
    },
    async apply(write) {
      await write();
      // A marker transaction after the write that wakes the router: once it serves a snapshot in which
      // the marker is visible (router_instances), it serves the write — however many commits the write made.
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        await c.query('BEGIN');
        const xid = await transactionId(c);
        await c.query(`NOTIFY ${ROUTER_CHANNEL}`);
        await c.query('COMMIT');
        // This router's row appears with its first acknowledgement; until then nobody would be "behind".
        const serving = async () => (await c.query('SELECT 1 FROM router_instances')).rowCount! > 0 && (await routersBehind(c, xid)) === 0;
        for (const deadline = Date.now() + 60_000; !(await serving()); await sleep(10)) {
          if (child.exitCode !== null) throw new Error(`tspaas-router exited with ${child.exitCode}`);
          if (Date.now() > deadline) throw new Error('the router did not serve the change within 60 s');
        }
      } finally {
        await c.end();
      }
      return stats();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000, undefined, { ref: false }).then(() => child.kill('SIGKILL'))]);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  await router.waitForGeneration(opts.waitForRoutes === false ? 0 : 1).catch(async (err: unknown) => { await router.stop(); throw err; });
  return router;
}

/** Route options of `putRoute`, as the platform would set them (null = router default). */
export interface RouteSpec {
  hosts?: { host: string; certificate?: string }[];
  backends?: BackendSpec[];
  maintenance?: boolean;
  redirectHttps?: boolean;
  maxBodyBytes?: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  balance?: 'round-robin' | 'least-connections';
}

/** Create or replace app `app`'s route, hosts and backends in one transaction (what a deploy does). */
export async function putRoute(db: TestDatabase, app: string, spec: RouteSpec): Promise<void> {
  await db.transaction(async (q) => {
    await q.query(`INSERT INTO router_routes (app, maintenance, redirect_https, max_body_bytes, request_timeout_ms, idle_timeout_ms, balance)
      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app) DO UPDATE SET maintenance = $2, redirect_https = $3,
      max_body_bytes = $4, request_timeout_ms = $5, idle_timeout_ms = $6, balance = $7, updated_at = now()`,
    [app, spec.maintenance ?? false, spec.redirectHttps ?? false, spec.maxBodyBytes ?? null,
      spec.requestTimeoutMs ?? null, spec.idleTimeoutMs ?? null, spec.balance ?? null]);
    await replaceBackends(q, app, spec.backends ?? []);
    await q.query('DELETE FROM router_hosts WHERE app = $1', [app]);
    for (const h of spec.hosts ?? []) await q.query('INSERT INTO router_hosts (host, app, certificate) VALUES ($1, $2, $3)', [h.host, app, h.certificate ?? null]);
  });
}

/** A backend as tests write it (address defaults to 127.0.0.1). */
export interface BackendSpec {
  port: number;
  address?: string;
  weight?: number;
}

/** Replace an app's backends in one transaction (a deploy's route switch). */
export function setBackends(db: TestDatabase, app: string, backends: BackendSpec[]): Promise<void> {
  return db.transaction((q) => replaceBackends(q, app, backends));
}

async function replaceBackends(q: pg.PoolClient, app: string, backends: BackendSpec[]): Promise<void> {
  await q.query('DELETE FROM router_backends WHERE app = $1', [app]);
  for (const b of backends) {
    await q.query('INSERT INTO router_backends (app, address, port, weight) VALUES ($1, $2, $3, $4)', [app, b.address ?? '127.0.0.1', b.port, b.weight ?? 1]);
  }
}

/** A small backend on 127.0.0.1; by default it answers JSON naming itself, the URL and the headers it got. */
export interface TestBackend {
  port: number;
  name: string;
  server: http.Server;
  close(): Promise<void>;
}

/** Start a backend; `handler` replaces the default echo. */
export async function startBackend(name: string, handler?: http.RequestListener, port = 0): Promise<TestBackend> {
  const server = http.createServer(handler ?? ((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: name, url: req.url, headers: req.headers }));
  }));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port, name, server,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

/** A plain response. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1:`port` with the given Host. */
export function get(port: number, urlPath: string, opts: { host?: string; headers?: Record<string, string>; method?: string; body?: string; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: urlPath, method: opts.method ?? 'GET', agent: opts.agent,
      headers: { ...(opts.host !== undefined ? { host: opts.host } : {}), ...opts.headers },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One HTTPS request with SNI `servername`; resolves with the body and the certificate's CN. */
export function getTls(port: number, servername: string, urlPath = '/'): Promise<Reply & { subject: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: urlPath, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      const subject = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, subject }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Send `bytes` on a fresh connection to 127.0.0.1:`port`; everything that comes back until the connection closes (or 3 s pass). */
export function rawRoundTrip(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes, 'latin1'));
    s.setEncoding('latin1').on('data', (d: string) => { got += d; });
    const timer = setTimeout(() => { s.destroy(); resolve(got); }, 3_000);
    s.on('close', () => { clearTimeout(timer); resolve(got); });
    s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

/**
 * A router worker: the HTTP and HTTPS listeners (shared with the other
 * workers through node's cluster), the request pipeline, and the route table
 * the primary sends. Workers never talk to PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Logger } from 'pino';
import { AccessLog } from './observe/access-log.js';
import { Stats } from './observe/stats.js';
import { ErrorPages } from './pages/errors.js';
import { BackendRegistry } from './proxy/backends.js';
import { attach, Exchange, exchangeOf, type Edge, type WorkerContext } from './proxy/exchange.js';
import { DeadlineWheel } from './proxy/deadlines.js';
import { createProxy, forward, onDeadline } from './proxy/forward.js';
import { REQUEST_PASSES } from './proxy/passes.js';
import { handleUpgrade } from './proxy/upgrade.js';
import { compileTable } from './table/compile.js';
import { SecureContexts, TLS_DEFAULTS } from './tls/certificates.js';
import type { PrimaryMessage, RouteSnapshot, RouterConfig, WorkerMessage, WorkerStatus } from './types.js';

/** Run this process as a worker until the primary says shutdown. */
export async function runWorker(config: Readonly<RouterConfig>, log: Logger, workerId: number): Promise<void> {
  const ctx: WorkerContext = {
    config, table: null, proxy: createProxy(), pages: new ErrorPages(), stats: new Stats(), accessLog: new AccessLog(config.accessLog),
    deadlines: new DeadlineWheel(onDeadline), inflight: 0,
  };
  const registry = new BackendRegistry(config.proxy, createProxy);
  const contexts = new SecureContexts(log);
  let appliedAt = 0;
  const apply = (snapshot: RouteSnapshot) => {
    const { table, backends } = compileTable(snapshot, config.proxy, config.baseDomain, registry);
    contexts.update(snapshot.certificates);
    ctx.table = table;
    registry.retain(backends);
    appliedAt = Date.now();
    send({ type: 'applied', generation: snapshot.generation });
  };
  const servers = await listen(ctx, contexts);
  const status = (): WorkerStatus => ({
    id: workerId, pid: process.pid, generation: ctx.table?.generation ?? 0, appliedAt, inflight: ctx.inflight, apps: ctx.stats.report(),
  });
  process.on('message', (m: PrimaryMessage) => {
    if (m.type === 'snapshot') apply(m.snapshot);
    else if (m.type === 'status') send({ type: 'status', requestId: m.requestId, status: status() });
    else if (m.type === 'shutdown') void shutdown(ctx, servers, log);
  });
  // The primary gone means nobody can stop us cleanly any more.
  process.on('disconnect', () => void shutdown(ctx, servers, log));
  send({ type: 'ready' });
}

function send(m: WorkerMessage): void {
  process.send?.(m);
}

/** Start the public listeners. */
async function listen(ctx: WorkerContext, contexts: SecureContexts): Promise<http.Server[]> {
  const c = ctx.config;
  const options: http.ServerOptions = {
    keepAliveTimeout: c.keepAliveTimeoutMs, headersTimeout: c.headersTimeoutMs, requestTimeout: 0,
    maxHeaderSize: c.maxHeaderBytes, noDelay: true,
  };
  const plain = serve(http.createServer(options), ctx, { encrypted: false, proto: 'http', port: String(c.httpPort) });
  const servers = [plain];
  await listenOn(plain, c.httpPort, c.bindAddress);
  if (c.httpsPort !== 0) {
    const cert = readFileSync(path.join(c.stateDir, 'default.crt'));
    const key = readFileSync(path.join(c.stateDir, 'default.key'));
    const secure = https.createServer({
      ...options, ...TLS_DEFAULTS, cert, key,
      SNICallback: (name, cb) => cb(null, contexts.lookup(ctx.table, name)),
    });
    servers.push(serve(secure, ctx, { encrypted: true, proto: 'https', port: String(c.httpsPort) }));
    await listenOn(secure, c.httpsPort, c.bindAddress);
  }
  return servers;
}

function listenOn(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => { server.off('error', reject); resolve(); });
  });
}

/** Wire a listener to the pipeline. */
function serve(server: http.Server, ctx: WorkerContext, edge: Edge): http.Server {
  server.keepAliveTimeout = ctx.config.keepAliveTimeoutMs;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => handleRequest(ctx, edge, req, res));
  server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => handleUpgrade(ctx, edge, req, socket, head, logUpgrade));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** One plain request: the passes in order, then the backend. */
function handleRequest(ctx: WorkerContext, edge: Edge, req: http.IncomingMessage, res: http.ServerResponse): void {
  const x = new Exchange(ctx, edge, req, res);
  attach(req, x);
  attach(res, x);
  ctx.inflight++;
  // `on`, not `once`: a response closes once, and `once` costs a wrapper per request.
  res.on('close', onResponseClose);
  for (let i = 0; i < REQUEST_PASSES.length; i++) {
    if (REQUEST_PASSES[i](x)) return;
  }
  forward(x);
}

/** The exchange is over (finished or aborted): release, count, log. */
function onResponseClose(this: http.ServerResponse): void {
  const x = exchangeOf(this);
  const ctx = x.ctx;
  ctx.inflight--;
  ctx.deadlines.disarm(x);
  if (x.backend !== null) {
    x.backend.release();
    x.backend = null;
  }
  const finished = this.writableFinished;
  if (!finished && x.proxyReq !== null) x.proxyReq.destroy();
  record(x, finished ? this.statusCode : 499);
}

function logUpgrade(x: Exchange, status: number): void {
  record(x, status === 0 ? 400 : status);
}

/** Stats and access log of one exchange. */
function record(x: Exchange, status: number): void {
  const ms = Math.round((performance.now() - x.start) * 1000) / 1000;
  const app = x.entry === null ? null : x.entry.route.app;
  if (app !== null) x.ctx.stats.record(app, status, ms);
  if (!x.ctx.accessLog.enabled) return;
  const req = x.req;
  x.ctx.accessLog.write({
    host: req.headers['x-forwarded-host'] as string ?? req.headers.host ?? '', method: req.method ?? '', path: req.url ?? '',
    status, bytes: req.socket.bytesWritten - x.sentBefore, duration_ms: ms, backend: x.answeredBy, request_id: x.requestId, app,
  });
}

/** Stop accepting, let requests in flight finish (up to the drain grace), then exit. */
async function shutdown(ctx: WorkerContext, servers: http.Server[], log: Logger): Promise<void> {
  for (const s of servers) {
    s.close();
    s.closeIdleConnections();
  }
  const deadline = Date.now() + ctx.config.proxy.drainGraceMs;
  while (ctx.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (ctx.inflight > 0) log.warn({ inflight: ctx.inflight }, 'drain grace over; closing the rest');
  await ctx.accessLog.close();
  process.exit(0);
}

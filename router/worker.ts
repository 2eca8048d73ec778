/**
 * A router worker: the HTTP and HTTPS listeners (shared with the other
 * workers through node's cluster), the request pipeline, and the route table
 * the primary sends. Workers never talk to PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { checkingIntervalMs, closeConnection, entrance, trackConnections } from './edge/accept.js';
import { Admission } from './edge/admission.js';
import { clientReads } from './fast/client-events.js';
import { FastConnection } from './fast/connection.js';
import type { FastContext } from './fast/exchange.js';
import { onRequestDeadline } from './fast/upstream.js';
import { AccessLog } from './observe/access-log.js';
import { Stats } from './observe/stats.js';
import { ErrorPages } from './pages/errors.js';
import { BackendRegistry } from './proxy/backends.js';
import { attach, Exchange, exchangeOf, type Edge, type WorkerContext } from './proxy/exchange.js';
import { DeadlineWheel } from './proxy/deadlines.js';
import { createProxy, forward, onDeadline } from './proxy/forward.js';
import { afterRefusal, REQUEST_PASSES } from './proxy/passes.js';
import { handleUpgrade } from './proxy/upgrade.js';
import { compileTable } from './table/compile.js';
import { SecureContexts, TLS_DEFAULTS } from './tls/certificates.js';
import type { PrimaryMessage, PublicListener, RouteSnapshot, RouterConfig, WorkerMessage, WorkerStatus } from './types.js';

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
  const listeners = listen(ctx, contexts, log);
  const status = (): WorkerStatus => ({
    id: workerId, pid: process.pid, generation: ctx.table?.generation ?? 0, appliedAt, inflight: ctx.inflight,
    dataPath: config.dataPath, connections: listeners.admission.counts(), apps: ctx.stats.report(),
  });
  let stopping: Promise<void> | null = null;
  const stop = () => { stopping ??= shutdown(ctx, listeners, log); };
  process.on('message', (m: PrimaryMessage, connection?: unknown) => {
    if (m.type === 'connection') listeners.take(m.listener, connection);
    else if (m.type === 'snapshot') apply(m.snapshot);
    else if (m.type === 'status') send({ type: 'status', requestId: m.requestId, status: status() });
    else if (m.type === 'shutdown') stop();
  });
  // The primary gone means nobody can stop us cleanly any more.
  process.on('disconnect', stop);
  // A signal to the whole process group (Ctrl-C in a terminal, systemd's default KillMode) reaches the workers too:
  // they drain as on the primary's word instead of dying with requests in flight.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  send({ type: 'ready' });
}

function send(m: WorkerMessage): void {
  process.send?.(m);
}

/** The public listeners: the connections the primary hands over, past the connection caps, to the data path. */
interface Listeners {
  /** Take a connection accepted on `listener` (closed once the worker is stopping, or when it has no such listener). */
  take(listener: PublicListener, connection: unknown): void;
  /** Set when the worker stops: connections handed over after that are closed. */
  stopping: boolean;
  servers: http.Server[];
  admission: Admission;
  /** The fast path's shared state (null with --data-path=http-proxy). */
  fast: FastContext | null;
}

/** The fast path's state shared by this worker's listeners. */
function fastContext(ctx: WorkerContext): FastContext {
  return {
    worker: ctx, requests: new DeadlineWheel(onRequestDeadline), connections: new DeadlineWheel((c) => c.expire()),
    open: new Set(), keepAliveSeconds: Math.floor(ctx.config.keepAliveTimeoutMs / 1000),
  };
}

/** Start the public listeners. */
function listen(ctx: WorkerContext, contexts: SecureContexts, log: Logger): Listeners {
  const c = ctx.config;
  const options: http.ServerOptions = {
    keepAliveTimeout: c.keepAliveTimeoutMs, headersTimeout: c.headersTimeoutMs, requestTimeout: 0,
    maxHeaderSize: c.maxHeaderBytes, noDelay: true, connectionsCheckingInterval: checkingIntervalMs(c.headersTimeoutMs),
    // A missing Host is the router's to answer (400, then close: passes.ts refuseAmbiguous); node's own 400 keeps the connection.
    requireHostHeader: false,
  };
  const admission = new Admission(c.maxConnections, c.maxConnectionsPerAddress, log);
  const fast = c.dataPath === 'fast' ? fastContext(ctx) : null;
  const plainEdge: Edge = { encrypted: false, proto: 'http', port: String(c.httpPort) };
  const plain = serve(http.createServer(options), ctx, plainEdge);
  const servers = [plain];
  const takePlain = dataPath(fast, plainEdge, plain);
  const entrances: Partial<Record<PublicListener, (connection: unknown) => void>> = {
    http: entrance(admission, true, takePlain, fast === null ? undefined : clientReads),
  };
  if (c.httpsPort !== 0) {
    const tlsOptions: tls.TlsOptions = {
      ...TLS_DEFAULTS, cert: readFileSync(path.join(c.stateDir, 'default.crt')), key: readFileSync(path.join(c.stateDir, 'default.key')),
      SNICallback: (name, cb) => cb(null, contexts.lookup(ctx.table, name)),
      // A client dribbling its handshake is cut as one dribbling its head is (node's default: 120 s).
      handshakeTimeout: c.headersTimeoutMs,
      // What https.Server offers by default: clients that also speak h2 settle on HTTP/1.1.
      ALPNProtocols: ['http/1.1'],
    };
    const secureEdge: Edge = { encrypted: true, proto: 'https', port: String(c.httpsPort) };
    let takeSecure: (socket: net.Socket) => void;
    if (fast === null) {
      const secure = serve(https.createServer({ ...options, ...tlsOptions }), ctx, secureEdge);
      servers.push(secure);
      takeSecure = (socket) => secure.emit('connection', socket);
    } else {
      // TLS ends here; the decrypted connection takes the fast path, and what the fast path hands off
      // goes to an HTTP server fed those TLS sockets (http-proxy on the HTTPS edge).
      const decrypted = serve(http.createServer(options), ctx, secureEdge);
      servers.push(decrypted);
      const terminator = tls.createServer({ ...tlsOptions, allowHalfOpen: true }, dataPath(fast, secureEdge, decrypted));
      // A failed or timed-out handshake is only reported (tlsClientError): closing the socket is the server's to do, as https.Server does.
      terminator.on('tlsClientError', (_err, socket) => socket.destroy());
      takeSecure = (socket) => terminator.emit('connection', socket);
    }
    entrances.https = entrance(admission, false, takeSecure);
  }
  for (const s of servers) trackConnections(s);
  const listeners: Listeners = {
    stopping: false, servers, admission, fast,
    take(listener, connection) {
      if (connection === undefined) return;
      const enter = entrances[listener];
      if (enter === undefined || listeners.stopping) closeConnection(connection);
      else enter(connection);
    },
  };
  return listeners;
}

/** Where a listener's connections go: the fast path (hand-offs to `server`), or `server` itself (http-proxy). */
function dataPath(fast: FastContext | null, edge: Edge, server: http.Server): (socket: net.Socket) => void {
  const handOff = (socket: net.Socket) => { server.emit('connection', socket); };
  if (fast === null) return handOff;
  const listener = { edge, handOff };
  return (socket) => { new FastConnection(fast, socket, listener); };
}

/** Wire a listener to the pipeline. */
function serve(server: http.Server, ctx: WorkerContext, edge: Edge): http.Server {
  server.keepAliveTimeout = ctx.config.keepAliveTimeoutMs;
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => handleRequest(ctx, edge, req, res));
  server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => handleUpgrade(ctx, edge, req, socket, head, logUpgrade));
  server.on('clientError', onClientError);
  return server;
}

/**
 * A request node's parser refused, or a head that did not arrive in time:
 * 431 for a head above the limit (RFC 6585 §5), 408 for the headers timeout,
 * 400 for the rest; the connection is closed after the answer.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  socket.destroy();
}

/** One plain request: the passes in order, then the backend. */
function handleRequest(ctx: WorkerContext, edge: Edge, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (afterRefusal(req)) return;
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
async function shutdown(ctx: WorkerContext, listeners: Listeners, log: Logger): Promise<void> {
  const { servers, fast } = listeners;
  listeners.stopping = true;
  if (fast !== null) for (const c of fast.open) c.shutdown();
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

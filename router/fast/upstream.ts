/**
 * The backend side of the fast path: keep-alive connections per backend
 * (idle ones on a stack per backend, most recent first, at most
 * `--max-sockets`' idle share), the request head and body written as bytes,
 * and the response parsed by node's llhttp just enough for framing: status
 * and raw headers, body pieces (Content-Length, chunked or close-delimited),
 * HEAD/204/304 without a body, 1xx dropped (as the http-proxy path and nginx
 * do). A connection that sends bytes outside a response is closed, never
 * reused, so one response can never be read as another's.
 *
 * Failures before the response: the same rules as the http-proxy path
 * (router/proxy/forward.ts): passive health, retries for requests without a
 * body, 502, 504 at the request timeout.
 */
import net from 'node:net';
import type { Backend } from '../proxy/backends.js';
import type { FastExchange } from './exchange.js';
import { clientHead } from './head.js';
import { HTTPParser, isParseError, SKIP_BODY, type NativeParser, type ParseError } from './llhttp.js';

/** At most this many backends per request (the first try and two retries), as on the http-proxy path. */
const MAX_ATTEMPTS = 3;
/** Failures that prove the backend is not listening. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNECT_TIMEOUT']);
/** An idle backend connection closes after this long (as the http-proxy path's agent). */
const IDLE_MS = 60_000;
const UPSTREAM = Symbol('tspaas.upstream');
/**
 * Every backend socket of the worker reads into this one buffer (node's
 * `onread`: no stream machinery per read). Safe because a read is handled
 * at once: llhttp copies what it keeps past the read, and the client's
 * output is gathered into a buffer of its own (connection.ts `flush`).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** One connection to a backend. */
export class Upstream {
  x: FastExchange | null = null;
  readonly parser: NativeParser = new HTTPParser();
  /** Served a response before (a reset on it is not the backend's fault). */
  reused = false;
  /** Bytes arrived that belong to no response: never reuse. */
  poisoned = false;
  keepAlive = false;
  errorCode = '';
  partial: string[] = [];
  connectTimer: NodeJS.Timeout | null = null;

  constructor(readonly backend: Backend, readonly socket: net.Socket) {
    (socket as unknown as Record<symbol, Upstream>)[UPSTREAM] = this;
    const p = this.parser as unknown as Record<number, unknown> & { owner: Upstream };
    p.owner = this;
    p[HTTPParser.kOnHeaders] = onResponseHeaders;
    p[HTTPParser.kOnHeadersComplete] = onResponseHead;
    p[HTTPParser.kOnBody] = onResponseBody;
    p[HTTPParser.kOnMessageComplete] = onResponseComplete;
    p[HTTPParser.kOnMessageBegin] = onResponseBegin;
    // Once per connection, as node's http.Server does: after a keep-alive response llhttp waits for the next one,
    // and a connection whose response ended otherwise (close, error, stray bytes) is never reused.
    this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    socket.on('end', onBackendEnd);
    socket.on('close', onBackendClose);
    socket.on('error', onBackendError);
    socket.on('drain', onBackendDrain);
    socket.on('timeout', onBackendTimeout);
    socket.setTimeout(IDLE_MS);
  }
}

/** Per backend: its connections busy with a request, and the exchanges waiting for one (`--max-sockets`), oldest first. */
interface Lane {
  busy: number;
  waiting: FastExchange[];
  /** serveWaiting is queued. */
  serving: boolean;
}
const lanes = new WeakMap<Backend, Lane>();

function laneOf(backend: Backend): Lane {
  let lane = lanes.get(backend);
  if (lane === undefined) {
    lane = { busy: 0, waiting: [], serving: false };
    lanes.set(backend, lane);
  }
  return lane;
}

function upstreamOf(socket: net.Socket): Upstream {
  return (socket as unknown as Record<symbol, Upstream>)[UPSTREAM];
}

function ownerOf(parser: unknown): Upstream {
  return (parser as { owner: Upstream }).owner;
}

/**
 * Send the exchange to the next backend of its route (first attempt or a
 * retry); false when none is left. `cork`: body bytes of the same client
 * read follow, and the caller uncorks the connection's socket once the read
 * is handled, so head and body leave in one write.
 */
export function sendToBackend(x: FastExchange, cork = false): boolean {
  const backend = x.entry!.route.pool.pick(x.tried);
  if (backend === null) return false;
  x.backend = backend;
  backend.inflight++;
  x.client.ctx.requests.arm(x, x.entry!.route.requestTimeoutMs);
  const lane = laneOf(backend);
  const idle = takeIdle(backend);
  if (idle === null && lane.busy >= backend.maxSockets) {
    // Its request timeout runs while it waits.
    x.queued = true;
    lane.waiting.push(x);
    return true;
  }
  attach(x, idle ?? connect(backend, x.entry!.route.connectTimeoutMs), lane, cork);
  return true;
}

/** The exchange takes the connection: its head goes out. */
function attach(x: FastExchange, up: Upstream, lane: Lane, cork: boolean): void {
  lane.busy++;
  up.x = x;
  up.partial = [];
  x.upstream = up;
  if (cork) up.socket.cork();
  up.socket.write(x.head, 'latin1');
}

/**
 * An exchange left one of the backend's connections. Waiting exchanges take
 * connections after the current callback (this one may run inside the
 * connection's parser, which must finish its read first).
 */
function vacate(backend: Backend): void {
  const lane = laneOf(backend);
  lane.busy--;
  if (lane.waiting.length > 0 && !lane.serving) {
    lane.serving = true;
    queueMicrotask(() => serveWaiting(backend, lane));
  }
}

/** The oldest waiting exchanges take connections (idle ones, or new ones) while the cap allows. */
function serveWaiting(backend: Backend, lane: Lane): void {
  lane.serving = false;
  while (lane.waiting.length > 0) {
    const idle = takeIdle(backend);
    if (idle === null && lane.busy >= backend.maxSockets) return;
    const x = lane.waiting.shift()!;
    x.queued = false;
    attach(x, idle ?? connect(backend, x.entry!.route.connectTimeoutMs), lane, false);
    x.client.attached();
  }
}

/** A waiting exchange gives up its place. */
function unqueue(x: FastExchange): void {
  x.queued = false;
  const waiting = laneOf(x.backend!).waiting;
  const at = waiting.indexOf(x);
  if (at !== -1) waiting.splice(at, 1);
}

function takeIdle(backend: Backend): Upstream | null {
  const idle = backend.idleSockets;
  while (idle.length > 0) {
    const socket = idle.pop()!;
    if (!socket.destroyed) return upstreamOf(socket);
  }
  return null;
}

function connect(backend: Backend, timeoutMs: number): Upstream {
  const onread = { buffer: READ_BUFFER, callback: (nread: number): boolean => onBackendRead(up, nread) };
  const socket: net.Socket = net.connect({ host: backend.address, port: backend.port, noDelay: true, onread });
  const up: Upstream = new Upstream(backend, socket);
  up.connectTimer = setTimeout(onConnectTimeout, timeoutMs, up);
  socket.once('connect', onBackendConnect);
  return up;
}

function onConnectTimeout(up: Upstream): void {
  up.errorCode = 'ECONNECT_TIMEOUT';
  up.socket.destroy();
}

function onBackendConnect(this: net.Socket): void {
  const up = upstreamOf(this);
  if (up.connectTimer !== null) clearTimeout(up.connectTimer);
  up.connectTimer = null;
}

/** Request body bytes for the backend; false when its buffer is full (the client is paused until `drain`). */
export function writeRequestBody(x: FastExchange, data: Buffer | string): boolean {
  const up = x.upstream as Upstream | null;
  if (up === null || up.socket.destroyed) return true;
  return up.socket.write(data);
}

/** The client went away or the router gave up on the exchange: its backend connection cannot be reused. */
export function abandon(x: FastExchange): void {
  const up = x.upstream as Upstream | null;
  x.upstream = null;
  if (x.queued) unqueue(x);
  release(x);
  if (up !== null) {
    up.x = null;
    up.socket.destroy();
    vacate(up.backend);
  }
}

function release(x: FastExchange): void {
  x.client.ctx.requests.disarm(x);
  const backend = x.backend;
  if (backend !== null) {
    x.backend = null;
    backend.release();
  }
}

function onResponseBegin(this: NativeParser): number {
  const up = ownerOf(this);
  if (up.x === null || up.x.status !== 0) up.poisoned = true;
  return 0;
}

function onResponseHeaders(this: NativeParser, headers: string[]): void {
  const up = ownerOf(this);
  for (const h of headers) up.partial.push(h);
}

function onResponseHead(this: NativeParser, _maj: number, _min: number, headers: string[] | undefined, _m: number, _u: string,
  status: number, _msg: string, upgrade: boolean, keepAlive: boolean): number {
  const up = ownerOf(this);
  const x = up.x;
  // Lines beyond llhttp's batch of 32 came through onResponseHeaders first.
  const raw = headers === undefined ? up.partial : up.partial.length === 0 ? headers : [...up.partial, ...headers];
  up.partial = [];
  if (x === null || up.poisoned) return SKIP_BODY;
  // 1xx: dropped (the final response follows on the same connection); 101 without an upgrade asked is a broken backend.
  if (status < 200) {
    if (status === 101 || upgrade) up.poisoned = true;
    return 0;
  }
  up.keepAlive = keepAlive;
  x.status = status;
  x.answeredBy = up.backend.key;
  const bodyless = x.method === 'HEAD' || status === 204 || status === 304;
  x.chunkOut = !bodyless && !hasContentLength(raw);
  x.responseStarted = true;
  x.activity = -1;
  x.client.ctx.requests.arm(x, x.entry!.route.idleTimeoutMs);
  x.client.writeHead(clientHead(status, raw, x.requestId, x.chunkOut, x.client.keepAlive, x.client.ctx.keepAliveSeconds));
  return x.method === 'HEAD' ? SKIP_BODY : 0;
}

function hasContentLength(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 14 && raw[i].toLowerCase() === 'content-length') return true;
  return false;
}

function onResponseBody(this: NativeParser, data: Buffer): void {
  const up = ownerOf(this);
  const x = up.x;
  if (x === null) return;
  if (!x.client.writeBody(data, x.chunkOut)) up.socket.pause();
}

function onResponseComplete(this: NativeParser): void {
  const up = ownerOf(this);
  const x = up.x;
  if (x === null || x.status === 0) return;
  if (x.chunkOut) x.client.writeBody(Buffer.alloc(0), true);
  up.x = null;
  x.upstream = null;
  release(x);
  if (up.keepAlive && x.requestDone && !up.poisoned && !up.backend.closed) {
    up.reused = true;
    // Paused while the client was slow; the last piece came in the same read. Idle sockets read, so a close is seen.
    up.socket.resume();
    const idle = up.backend.idleSockets;
    if (idle.length < up.backend.maxIdle) idle.push(up.socket);
    else up.socket.destroy();
  } else up.socket.destroy();
  vacate(up.backend);
  x.client.responseEnded(x, x.status);
}

/** The client's buffer drained: let the backend send again. */
export function resumeResponse(x: FastExchange): void {
  (x.upstream as Upstream | null)?.socket.resume();
}

/** A read from the backend: `nread` bytes of READ_BUFFER. False pauses the socket (the client's buffer is full). */
function onBackendRead(up: Upstream, nread: number): boolean {
  const x = up.x;
  if (x === null) {
    // Bytes on an idle connection belong to no request.
    up.socket.destroy();
    return true;
  }
  // Whatever this read makes for the client (head, body pieces, the last chunk) leaves in one write.
  x.client.gather();
  const r = up.parser.execute(READ_BUFFER.subarray(0, nread));
  const ok = x.client.flush();
  if (up.poisoned) up.socket.destroy();
  else if (isParseError(r)) fail(up, r);
  else return ok || up.x === null;
  return true;
}

function onBackendEnd(this: net.Socket): void {
  const up = upstreamOf(this);
  // A close-delimited body ends here; anything else unfinished is a failure.
  const x = up.x;
  if (x !== null && x.responseStarted) {
    x.client.gather();
    const r = up.parser.finish();
    x.client.flush();
    if (isParseError(r)) fail(up, r);
  }
  this.destroy();
}

function onBackendError(this: net.Socket, err: NodeJS.ErrnoException): void {
  const up = upstreamOf(this);
  if (up.errorCode === '') up.errorCode = err.code ?? 'ERROR';
}

function onBackendClose(this: net.Socket): void {
  const up = upstreamOf(this);
  if (up.connectTimer !== null) clearTimeout(up.connectTimer);
  const idle = up.backend.idleSockets;
  const at = idle.indexOf(this);
  if (at !== -1) idle.splice(at, 1);
  if (up.x !== null) fail(up, null);
  up.parser.free();
}

function onBackendDrain(this: net.Socket): void {
  const x = upstreamOf(this).x;
  if (x !== null) x.client.socket.resume();
}

function onBackendTimeout(this: net.Socket): void {
  if (upstreamOf(this).x === null) this.destroy();
}

/** The attempt failed: retry, answer 502/504, or cut the client off when the response had started. */
function fail(up: Upstream, err: ParseError | null): void {
  const x = up.x!;
  up.x = null;
  x.upstream = null;
  up.socket.destroy();
  vacate(up.backend);
  const backend = x.backend;
  release(x);
  if (x.responseStarted) {
    x.client.responseEnded(x, 499);
    return;
  }
  if (x.timedOut) return x.client.refuse(x, 'timeout');
  if (backend !== null && err === null && (CONNECT_FAILURES.has(up.errorCode) || !up.reused)) {
    backend.downUntil = Date.now() + x.client.ctx.worker.config.proxy.backendDownMs;
  }
  const attempts = (x.tried?.length ?? 0) + 1;
  if (backend !== null && err === null && !x.hasBody && attempts < MAX_ATTEMPTS && attempts < x.entry!.route.pool.size) {
    (x.tried ??= []).push(backend);
    if (sendToBackend(x)) return;
  }
  x.client.refuse(x, 'bad-gateway');
}

/**
 * A deadline passed. Before the response: the request timeout (504). While
 * it streams: idle when neither connection moved a byte for the idle
 * timeout (checked every quarter of it, as on the http-proxy path).
 */
export function onRequestDeadline(x: FastExchange, now: number): void {
  if (x.queued) {
    // Waited for a connection to its backend for the whole request timeout.
    unqueue(x);
    release(x);
    x.client.refuse(x, 'timeout');
    return;
  }
  const up = x.upstream as Upstream | null;
  if (up === null) return;
  if (!x.responseStarted) {
    x.timedOut = true;
    up.socket.destroy();
    return;
  }
  const idle = x.entry!.route.idleTimeoutMs;
  const moved = up.socket.bytesRead + x.client.socket.bytesWritten;
  if (moved !== x.activity) {
    x.activity = moved;
    x.activeAt = now;
  }
  if (now - x.activeAt >= idle) up.socket.destroy();
  else x.client.ctx.requests.arm(x, Math.min(idle - (now - x.activeAt), Math.ceil(idle / 4)), now);
}

/**
 * The backend side of the fast path: keep-alive connections per backend
 * (idle ones on a stack per backend, most recent first, at most
 * `--max-sockets`' idle share), the request head and body written as bytes,
 * and the response head parsed by node's llhttp (status, raw headers, 1xx
 * dropped as the http-proxy path and nginx do), stopped right after the
 * final head as for requests. Request heads leave at the end of the event
 * loop's turn (turn-writes.ts). The body is framed here: Content-Length bytes
 * counted, chunked decoded by the strict decoder (chunked.ts), a body
 * without either read until the backend closes, none for HEAD/204/304.
 * Body pieces are views of the worker's read buffer, written to the client
 * in the read that brought them (llhttp's body callback copies each piece
 * into a new buffer of its own). A connection that sends bytes outside a
 * response is closed, never reused, so one response can never be read as
 * another's.
 *
 * Failures before the response: the same rules as the http-proxy path
 * (router/proxy/forward.ts): passive health, retries for requests without a
 * body, 502, 504 at the request timeout.
 */
import net from 'node:net';
import type { Backend } from '../proxy/backends.js';
import type { DeadlineWheel, Timed } from '../proxy/deadlines.js';
import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import type { FastExchange } from './exchange.js';
import { clientHead } from './head.js';
import { HTTPParser, isParseError, STOP_AFTER_HEAD, type NativeParser, type ParseError } from './llhttp.js';
import { writeAtTurnEnd } from './turn-writes.js';

/** At most this many backends per request (the first try and two retries), as on the http-proxy path. */
const MAX_ATTEMPTS = 3;
/** Failures that prove the backend is not listening. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNECT_TIMEOUT']);
const UPSTREAM = Symbol('tspaas.upstream');
/**
 * Every backend socket of the worker reads into this one buffer (node's
 * `onread`: no stream machinery per read). Safe because a read is handled
 * at once: llhttp copies what it keeps past the read, and the client's
 * output is gathered into a buffer of its own (connection.ts `flush`).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Where a connection's response stands: its head being parsed, or its body framed one way. */
const enum Framing { Head, Length, Chunked, Close }

/** A response the router cannot frame: cut like a parse error. */
function framingError(reason: string): ParseError {
  return Object.assign(new Error(reason), { code: 'HPE_INVALID_BODY', reason, bytesParsed: 0 });
}

/** The wheel an idle connection waits in. */
type IdleWheel = DeadlineWheel<Timed & { expire(): void }>;

/** One connection to a backend. */
export class Upstream implements ChunkSink, Timed {
  x: FastExchange | null = null;
  wheelSlot: Timed[] | null = null;
  wheelIndex = 0;
  /** Where its idle deadline is armed, while it is idle. */
  idleWheel: IdleWheel | null = null;
  framing = Framing.Head;
  /** Content-Length bytes still to come. */
  bodyLeft = 0;
  decoder: ChunkedDecoder | null = null;
  /** Why the response's framing was refused (Content-Length with Transfer-Encoding, or a broken chunked body). */
  bodyError: ParseError | null = null;
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
    socket.on('end', onBackendEnd);
    socket.on('close', onBackendClose);
    socket.on('error', onBackendError);
    socket.on('drain', onBackendDrain);
  }

  /**
   * Idle for the backend's keep-alive time (`--backend-keep-alive`, as the
   * http-proxy path's agent): closed, which takes it off the idle stack.
   * Timed by the worker's connections wheel while it is idle: node's socket
   * timeout would be refreshed on every read and write.
   */
  expire(): void {
    this.idleWheel = null;
    if (this.x === null) this.socket.destroy();
  }

  /** Idle, on its backend's stack: the idle deadline runs. */
  idle(wheel: IdleWheel): void {
    this.idleWheel = wheel;
    wheel.arm(this, this.backend.keepAliveMs);
  }

  /** Taken from the idle stack, or closed. */
  busy(): void {
    this.idleWheel?.disarm(this);
    this.idleWheel = null;
  }

  /** A decoded piece of a chunked response: sent on as one chunk. */
  chunk(data: Buffer): void {
    this.x?.client.writeBody(data, true);
  }

  end(): void {
    // The decoder is `done`: the read that ended it completes the response.
  }

  fail(reason: string): void {
    this.bodyError = framingError(reason);
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
  up.framing = Framing.Head;
  up.bodyError = null;
  // Per response: the parser stops after each head (llhttp's "upgrade"), and node's binding cannot resume it.
  up.parser.initialize(HTTPParser.RESPONSE, up.parser, 0, 0);
  x.upstream = up;
  if (cork) up.socket.cork();
  writeAtTurnEnd(up.socket, x.head, 'latin1');
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
    const up = upstreamOf(idle.pop()!);
    up.busy();
    if (!up.socket.destroyed) return up;
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
  // A head after the final one, or with no exchange, belongs to no request.
  if (x === null || x.status !== 0 || up.poisoned) {
    up.poisoned = true;
    return STOP_AFTER_HEAD;
  }
  // 1xx: dropped (the final response follows on the same connection); 101 without an upgrade asked is a broken backend.
  if (status < 200) {
    if (status === 101 || upgrade) up.poisoned = true;
    return 0;
  }
  const bodyless = x.method === 'HEAD' || status === 204 || status === 304;
  const framing = bodyless ? Framing.Length : framingOf(raw, up);
  if (framing === null) {
    // Content-Length with Transfer-Encoding: refused before anything reaches the client (502), as node's client refuses it.
    up.bodyError = framingError('Content-Length with Transfer-Encoding');
    return STOP_AFTER_HEAD;
  }
  if (bodyless) up.bodyLeft = 0;
  up.framing = framing;
  up.keepAlive = keepAlive;
  x.status = status;
  x.answeredBy = up.backend.key;
  x.chunkOut = framing !== Framing.Length;
  x.responseStarted = true;
  x.activity = -1;
  x.client.ctx.requests.arm(x, x.entry!.route.idleTimeoutMs);
  x.client.writeHead(clientHead(status, raw, x.requestId, x.chunkOut, x.client.keepAlive, x.client.ctx.keepAliveSeconds));
  return STOP_AFTER_HEAD;
}

/**
 * How a response body is framed (RFC 9112 §6.3), from its raw headers: a
 * final `chunked` coding, else any Transfer-Encoding reads to the close,
 * else Content-Length (llhttp refused invalid and repeated ones), else to
 * the close. Null when both headers are present (llhttp's strict mode
 * refuses that; node's client answers it with an error). Sets `bodyLeft`
 * and the decoder.
 */
function framingOf(raw: string[], up: Upstream): Framing | null {
  let te: string | undefined;
  let length = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i].length;
    if (n === 17 && raw[i].toLowerCase() === 'transfer-encoding') te = te === undefined ? raw[i + 1] : `${te},${raw[i + 1]}`;
    else if (n === 14 && raw[i].toLowerCase() === 'content-length') length = Number(raw[i + 1]);
  }
  if (te !== undefined && length !== -1) return null;
  if (te !== undefined) {
    const codings = te.split(',');
    if (codings[codings.length - 1].trim().toLowerCase() !== 'chunked') return Framing.Close;
    up.decoder = new ChunkedDecoder(up);
    return Framing.Chunked;
  }
  if (length === -1) return Framing.Close;
  up.bodyLeft = length;
  return Framing.Length;
}

/**
 * Body bytes of the response in progress (a view of the read buffer); the
 * response completes when its framing says so. Bytes after it belong to no
 * response: the connection is not reused. Returns a framing error.
 */
function readResponseBody(up: Upstream, data: Buffer): ParseError | null {
  const x = up.x!;
  if (up.framing === Framing.Close) {
    if (data.length > 0) x.client.writeBody(data, true);
    return null;
  }
  let used: number;
  if (up.framing === Framing.Length) {
    used = Math.min(up.bodyLeft, data.length);
    if (used > 0) x.client.writeBody(used === data.length ? data : data.subarray(0, used), false);
    up.bodyLeft -= used;
    if (up.bodyLeft > 0) return null;
  } else {
    const decoder = up.decoder!;
    used = decoder.write(data);
    if (used === -1) return up.bodyError;
    if (!decoder.done) return null;
  }
  if (used < data.length) up.poisoned = true;
  responseComplete(up);
  return null;
}

/** The response is complete: the connection goes back to its backend's idle stack (or is closed), the client hears of the end. */
function responseComplete(up: Upstream): void {
  const x = up.x!;
  up.decoder = null;
  if (x.chunkOut) x.client.writeBody(Buffer.alloc(0), true);
  up.x = null;
  x.upstream = null;
  release(x);
  if (up.keepAlive && up.framing !== Framing.Close && x.requestDone && !up.poisoned && !up.backend.closed) {
    up.reused = true;
    // Paused while the client was slow; the last piece came in the same read. Idle sockets read, so a close is seen.
    up.socket.resume();
    const idle = up.backend.idleSockets;
    if (idle.length < up.backend.maxIdle) {
      idle.push(up.socket);
      up.idle(x.client.ctx.connections);
    } else up.socket.destroy();
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
  const data = READ_BUFFER.subarray(0, nread);
  const err = up.framing === Framing.Head ? readResponseHead(up, data) : readResponseBody(up, data);
  const ok = x.client.flush();
  if (up.poisoned) up.socket.destroy();
  else if (err !== null) fail(up, err);
  else return ok || up.x === null;
  return true;
}

/** Bytes of a response head (llhttp, stopped after the final head); the body bytes after it are framed at once. */
function readResponseHead(up: Upstream, data: Buffer): ParseError | null {
  const r = up.parser.execute(data);
  if (isParseError(r)) return r;
  if (up.bodyError !== null) return up.bodyError;
  if (up.framing === Framing.Head || up.poisoned) return null;
  return readResponseBody(up, r === data.length ? data.subarray(0, 0) : data.subarray(r));
}

function onBackendEnd(this: net.Socket): void {
  const up = upstreamOf(this);
  // A close-delimited body ends here; anything else unfinished is a failure.
  const x = up.x;
  if (x !== null && x.responseStarted) {
    if (up.framing === Framing.Close) {
      x.client.gather();
      responseComplete(up);
      x.client.flush();
    } else fail(up, framingError('the backend closed before the end of the body'));
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
  up.busy();
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

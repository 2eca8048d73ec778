/**
 * Forwarding a plain request with http-proxy: pick a backend, let its
 * http-proxy instance stream the request to it over the backend's keep-alive
 * agent, and write the response ourselves: the head from the backend's raw
 * header lines (hop-by-hop ones stripped, Via and X-Request-Id added; the
 * parsed header object is never built), then the body chunk by chunk as it
 * arrives, pausing the backend while the client is not draining (what
 * `pipe` does, with two shared listeners instead of pipe's per-request set).
 *
 * Passive health: a refused connection (or a reset on a fresh one, or a
 * connect timeout) marks the backend down for a while. A failed attempt is
 * retried on another backend when the request has no body (nothing was lost
 * upstream); otherwise the client gets 502. A backend that says nothing
 * within the route's request timeout costs a 504; once a response streams,
 * the idle timeout applies. Both run on the worker's deadline wheel (no
 * timer per request); only a fresh connection gets its own connect timer.
 */
import type http from 'node:http';
import type net from 'node:net';
import HttpProxy from 'http-proxy';
import { attach, exchangeOf, exchangeOfProxyReq, type Exchange } from './exchange.js';
import { refuse, VIA_TOKEN } from './passes.js';
import { onProxyReqWs } from './upgrade.js';

/** Response headers that belong to one hop only, and those the router sets itself (Via appended, X-Request-Id replaced). */
const RESPONSE_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via', 'x-request-id']);
/** Lengths of the names above: other names are kept without lower-casing them. */
const DROPPED_LENGTHS = new Set([...RESPONSE_DROPPED].map((n) => n.length));
/** At most this many backends per request (the first try and two retries). */
const MAX_ATTEMPTS = 3;

/** An http-proxy instance with the router's hooks: one per backend (its fixed options), and one for upgrades. */
export function createProxy(options: HttpProxy.ServerOptions = {}): HttpProxy {
  const proxy = HttpProxy.createProxyServer(options);
  proxy.on('proxyReq', onProxyReq);
  proxy.on('proxyRes', onProxyRes);
  proxy.on('proxyReqWs', onProxyReqWs);
  // Every call passes its own callback; this only keeps http-proxy from throwing.
  proxy.on('error', () => undefined);
  return proxy;
}

/** Send the exchange to the next backend of its route (first attempt or a retry). */
export function forward(x: Exchange): void {
  const backend = x.entry!.route.pool.pick(x.tried);
  if (backend === null) {
    refuse(x, 'bad-gateway');
    return;
  }
  x.backend = backend;
  backend.inflight++;
  // From here, not from the socket: the time a request waits for one of the agent's `--max-sockets` counts.
  x.ctx.deadlines.arm(x, x.entry!.route.requestTimeoutMs);
  // The instance's own options apply: no per-request options object to copy.
  (backend.proxy.web as WebWithCallback)(x.req, x.res!, onProxyError);
}

/** `web(req, res, callback)`: http-proxy's form without per-request options (its typings only list the four-argument one). */
type WebWithCallback = (req: http.IncomingMessage, res: http.ServerResponse, callback: HttpProxy.ErrorCallback) => void;

/** The backend request exists and has a socket: arm the connect timeout on a fresh connection. */
function onProxyReq(proxyReq: http.ClientRequest, req: http.IncomingMessage): void {
  const x = exchangeOf(req);
  if (x.waitedOut) {
    // Answered 504 while it waited for a connection (`--max-sockets`): the request never goes out.
    proxyReq.destroy();
    return;
  }
  x.proxyReq = proxyReq;
  attach(proxyReq, x);
  const socket = proxyReq.socket;
  if (socket !== null && socket.connecting) {
    const timer = setTimeout(onConnectTimeout, x.entry!.route.connectTimeoutMs, proxyReq);
    socket.once('connect', () => clearTimeout(timer));
  }
}

/**
 * A deadline of the wheel passed. Before the response: the request timeout
 * (504). While it streams: idle when neither the backend nor the client
 * connection moved a byte for the idle timeout (looked at every quarter of
 * it, so silence ends the exchange between 1 and 1.25 idle timeouts).
 */
export function onDeadline(x: Exchange, now: number): void {
  const proxyReq = x.proxyReq;
  if (x.res === null) return;
  if (proxyReq === null) return waitedOut(x);
  if (x.answeredBy === null) {
    x.timedOut = true;
    proxyReq.destroy(Object.assign(new Error('backend timed out'), { code: 'ETIMEDOUT' }));
    return;
  }
  const idle = x.entry!.route.idleTimeoutMs;
  const moved = activity(x);
  if (moved !== x.activity) {
    x.activity = moved;
    x.activeAt = now;
  }
  if (now - x.activeAt >= idle) proxyReq.destroy(Object.assign(new Error('backend idle'), { code: 'ETIMEDOUT' }));
  else x.ctx.deadlines.arm(x, Math.min(idle - (now - x.activeAt), Math.ceil(idle / 4)), now);
}

/** The request timeout passed while the request waited for a connection to its backend (`--max-sockets` busy): 504. */
function waitedOut(x: Exchange): void {
  x.waitedOut = true;
  const backend = x.backend;
  if (backend !== null) {
    x.backend = null;
    backend.release();
  }
  refuse(x, 'timeout');
}

/** Bytes moved so far on both connections of a streaming exchange (only compared, never shown). */
function activity(x: Exchange): number {
  return (x.proxyReq!.socket?.bytesRead ?? 0) + x.req.socket.bytesWritten;
}

function onConnectTimeout(proxyReq: http.ClientRequest): void {
  proxyReq.destroy(Object.assign(new Error('connect timed out'), { code: 'ECONNECT_TIMEOUT' }));
}

/** The backend answered: write its head (cleaned) and stream its body. */
function onProxyRes(proxyRes: http.IncomingMessage, req: http.IncomingMessage, res: http.ServerResponse): void {
  const x = exchangeOf(req);
  x.answeredBy = x.backend!.key;
  // Idle from here; the first look counts as activity (no byte counting on the hot path).
  x.activity = -1;
  x.ctx.deadlines.arm(x, x.entry!.route.idleTimeoutMs);
  res.writeHead(proxyRes.statusCode ?? 502, responseHeaders(proxyRes.rawHeaders, x.requestId));
  x.proxyRes = proxyRes;
  attach(proxyRes, x);
  proxyRes.on('data', onBackendData);
  proxyRes.on('end', onBackendEnd);
  proxyRes.on('close', onBackendResponseClose);
}

/** A body chunk: to the client at once (SSE stays unbuffered); a full client buffer pauses the backend until it drains. */
function onBackendData(this: http.IncomingMessage, chunk: Buffer): void {
  const res = exchangeOf(this).res!;
  if (!res.write(chunk) && !res.destroyed) {
    this.pause();
    res.once('drain', onClientDrain);
  }
}

function onClientDrain(this: http.ServerResponse): void {
  exchangeOf(this).proxyRes?.resume();
}

function onBackendEnd(this: http.IncomingMessage): void {
  exchangeOf(this).res!.end();
}

/** A response cut short by the backend is cut short for the client too (never passed off as complete). */
function onBackendResponseClose(this: http.IncomingMessage): void {
  if (this.complete) return;
  const x = exchangeOfProxyReq((this as unknown as { req: http.ClientRequest }).req);
  x?.res?.destroy();
}

/** The backend's raw header lines minus hop-by-hop ones (and those its Connection names), plus Via and X-Request-Id: a flat [name, value, …] list. */
export function responseHeaders(raw: string[], requestId: string): string[] {
  const out: string[] = [];
  let via: string | undefined;
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (DROPPED_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (RESPONSE_DROPPED.has(lower)) {
        if (lower === 'via') via = via === undefined ? raw[i + 1] : `${via}, ${raw[i + 1]}`;
        else if (lower === 'connection') named = connectionTokens(raw[i + 1], named);
        continue;
      }
    }
    out.push(name, raw[i + 1]);
  }
  if (named !== null) dropNamed(out, named);
  out.push('via', via === undefined ? VIA_TOKEN : `${via}, ${VIA_TOKEN}`, 'x-request-id', requestId);
  return out;
}

/** Header names a Connection value lists besides keep-alive and close (null when none). */
function connectionTokens(value: string, into: Set<string> | null): Set<string> | null {
  for (const token of value.toLowerCase().split(',')) {
    const name = token.trim();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') (into ??= new Set()).add(name);
  }
  return into;
}

/** Remove the pairs whose name is in `names` from a flat header list. */
function dropNamed(list: string[], names: Set<string>): void {
  let w = 0;
  for (let r = 0; r < list.length; r += 2) {
    if (names.has(list[r].toLowerCase())) continue;
    list[w++] = list[r];
    list[w++] = list[r + 1];
  }
  list.length = w;
}

/** An attempt failed before a response started (or broke off after). */
function onProxyError(err: Error, req: http.IncomingMessage, res: http.ServerResponse | net.Socket): void {
  const x = exchangeOf(req);
  x.ctx.deadlines.disarm(x);
  // Already answered 504 while waiting; its request was destroyed before it went out.
  if (x.waitedOut) return;
  const backend = x.backend;
  if (backend !== null) {
    x.backend = null;
    backend.release();
  }
  if ((res as http.ServerResponse).headersSent || res.destroyed || req.socket.destroyed) {
    res.destroy();
    return;
  }
  if (x.timedOut) {
    refuse(x, 'timeout');
    return;
  }
  const code = (err as NodeJS.ErrnoException).code;
  const fresh = x.proxyReq === null || !x.proxyReq.reusedSocket;
  if (backend !== null && (CONNECT_FAILURES.has(code ?? '') || fresh)) backend.downUntil = Date.now() + x.ctx.config.proxy.backendDownMs;
  if (backend !== null && canRetry(x)) {
    (x.tried ??= []).push(backend);
    x.proxyReq = null;
    forward(x);
    return;
  }
  refuse(x, 'bad-gateway');
}

/** Failures that prove the backend is not listening. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNECT_TIMEOUT']);

/** Retry only what can be replayed: no body, attempts left, another backend to go to. */
function canRetry(x: Exchange): boolean {
  const h = x.req.headers;
  const noBody = (h['content-length'] === undefined || h['content-length'] === '0') && h['transfer-encoding'] === undefined;
  const attempts = (x.tried?.length ?? 0) + 1;
  return noBody && attempts < MAX_ATTEMPTS && attempts < x.entry!.route.pool.size;
}



/**
 * WebSockets: the upgrade request runs the upgrade passes, then http-proxy
 * opens a tunnel to one backend (its own connection, not the keep-alive
 * pool). The tunnel counts as in flight on its backend until it closes, so a
 * drained backend waits for it (up to the grace period). Silence longer than
 * the route's idle timeout closes it. Upgrades are not retried: http-proxy
 * closes the client socket after a failed attempt.
 */
import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type HttpProxy from 'http-proxy';
import { attach, Exchange, exchangeOf, type Edge, type WorkerContext } from './exchange.js';
import { refuse, UPGRADE_PASSES } from './passes.js';
import type { ProxyTarget } from './backends.js';

/** The server's `upgrade` event. */
export function handleUpgrade(ctx: WorkerContext, edge: Edge, req: http.IncomingMessage, socket: Duplex, head: Buffer, log: (x: Exchange, status: number) => void): void {
  const x = new Exchange(ctx, edge, req, null);
  attach(req, x);
  socket.on('error', () => socket.destroy());
  for (const pass of UPGRADE_PASSES) {
    if (pass(x)) return log(x, 0);
  }
  if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
    refuse(x, 'bad-request');
    return log(x, 400);
  }
  const backend = x.entry!.route.pool.pick(null)!;
  x.backend = backend;
  backend.inflight++;
  ctx.inflight++;
  const idle = x.entry!.route.idleTimeoutMs;
  socket.once('close', () => {
    backend.release();
    ctx.inflight--;
    log(x, x.answeredBy === null ? 502 : 101);
  });
  ctx.proxy.ws(req, socket, head, backend.ws as HttpProxy.ServerOptions, onWsError);
  (socket as net.Socket).setTimeout(idle, () => socket.destroy());
}

/** http-proxy built the backend request of an upgrade: remember the tunnel once it opens. */
export function onProxyReqWs(proxyReq: http.ClientRequest, req: http.IncomingMessage, socket: net.Socket, options: HttpProxy.ServerOptions): void {
  const backend = (options as unknown as ProxyTarget).backend;
  proxyReq.once('upgrade', (_res: http.IncomingMessage, backendSocket: net.Socket) => {
    exchangeOf(req).answeredBy = backend.key;
    backend.track(socket);
    backendSocket.once('close', () => socket.destroy());
  });
}

/** The tunnel could not be opened: 502 (http-proxy ends the socket right after). */
function onWsError(err: Error, req: http.IncomingMessage, socket: net.Socket | http.ServerResponse): void {
  const x = exchangeOf(req);
  const code = (err as NodeJS.ErrnoException).code;
  if (x.backend !== null && code === 'ECONNREFUSED') x.backend.downUntil = Date.now() + x.ctx.config.proxy.backendDownMs;
  if (x.answeredBy === null && !socket.destroyed && (socket as net.Socket).writable) {
    (socket as net.Socket).write(x.ctx.pages.raw('bad-gateway', x.requestId, req.headers.accept));
  }
}

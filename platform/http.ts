/**
 * tspaasd's one HTTP listener: `/git/…` goes to the git receiver, upgrades
 * (WebSockets of `tspaas run`) to the API's upgrade handler, everything else
 * to the API's koa callback (the /v1 API and the dashboard).
 *
 * Shutdown: `close()` stops accepting at once, lets in-flight requests end
 * for up to `graceMs`, then cuts what is left (long polls, log follows,
 * upgraded sockets) so tspaasd can go on closing its other parts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { unavailable } from '../lib/errors.js';

/** The handlers the listener dispatches to. */
export interface HttpHandlers {
  git: { handle(req: IncomingMessage, res: ServerResponse): void };
  api: { callback(): (req: IncomingMessage, res: ServerResponse) => void; handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void };
}

export interface Listener {
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  close(graceMs?: number): Promise<void>;
}

/** Listen on `listen` and dispatch as described above. */
export async function listen(at: { host: string; port: number }, handlers: HttpHandlers, log: Logger): Promise<Listener> {
  const api = handlers.api.callback();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/git/')) handlers.git.handle(req, res);
    else api(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith('/git/')) return socket.destroy();
    handlers.api.handleUpgrade(req, socket, head);
  });
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => { upgraded.add(socket); socket.once('close', () => upgraded.delete(socket)); });
  server.on('clientError', (err, socket) => { log.debug({ err }, 'client error'); socket.destroy(); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(unavailable(`cannot listen on ${at.host}:${at.port}: ${err.message}`, err)));
    server.listen(at.port, at.host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    async close(graceMs = 3000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }, graceMs);
      for (const s of upgraded) s.end();
      await closed;
      clearTimeout(timer);
    },
  };
}

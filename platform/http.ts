/**
 * tspaasd's one HTTP listener: `/git/…` goes to the git receiver, upgrades
 * (WebSockets of `tspaas run`) to the API's upgrade handler, everything else
 * to the API's koa callback (the /v1 API and the dashboard).
 *
 * Shutdown: `close()` stops accepting at once, lets in-flight requests end
 * for up to `graceMs`, then cuts what is left (long polls, log follows,
 * upgraded sockets) so tspaasd can go on closing its other parts.
 */
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
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

/**
 * A request node's parser refused (a NUL or other forbidden byte in a header,
 * a head over 16 KiB, a malformed request line): the API's JSON error and
 * close, instead of a dropped connection.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
  log.debug({ err }, 'client error');
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'the request line and headers are larger than 16 KiB']
    : [400, `malformed HTTP request: ${(err as { reason?: string }).reason ?? err.code ?? 'parse error'}`];
  answerRaw(socket, status, message);
}

/** A JSON error written straight to the socket, then close. */
function answerRaw(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { kind: 'Invalid', message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Listen on `listen` and dispatch as described above. */
export async function listen(at: { host: string; port: number }, handlers: HttpHandlers, log: Logger): Promise<Listener> {
  const api = handlers.api.callback();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/git/')) handlers.git.handle(req, res);
    else api(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith('/git/')) return answerRaw(socket, 400, 'git takes no upgrade: use smart HTTP');
    handlers.api.handleUpgrade(req, socket, head);
  });
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => { upgraded.add(socket); socket.once('close', () => upgraded.delete(socket)); });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, log));
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

/**
 * The worker's own accept loop: public ports are plain `net` listeners
 * (shared with the other workers through node's cluster) whose sockets pass
 * the connection caps (admission.ts) and then go to a data path: the fast
 * path (router/fast) or node's HTTP/TLS servers, which never listen
 * themselves and get their connections by `server.emit('connection', socket)`.
 */
import net from 'node:net';
import type http from 'node:http';
import type { Admission } from './admission.js';

/** Listen on `host:port`; every admitted socket goes to `take`. */
export async function acceptOn(port: number, host: string, admission: Admission, answerHttp: boolean, take: (socket: net.Socket) => void): Promise<net.Server> {
  // Half-open like node's http.Server: a client's FIN ends the connection after the response in flight.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    if (admission.admit(socket, answerHttp)) take(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => { server.off('error', reject); resolve(); });
  });
  return server;
}

/**
 * Make an HTTP server that is fed sockets (never listens) enforce its
 * headers timeout: node starts the periodic check of `headersTimeout` (every
 * `connectionsCheckingInterval`) on the server's `listening` event, which a
 * server that never listens does not get.
 */
export function trackConnections(server: http.Server): void {
  server.emit('listening');
}

/** How often node checks the headers timeout: a twentieth of it (0.5 s for the default 10 s), so a slow head is cut at the timeout + 5 %. */
export function checkingIntervalMs(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.round(headersTimeoutMs / 20)));
}

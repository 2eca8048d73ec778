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

/** What `net.connect`'s `onread` takes: the buffer every read goes into, and the callback (`this` is the socket). */
export interface ReadInto {
  buffer: Buffer;
  callback(this: net.Socket, nread: number, buffer: Buffer): boolean;
}

/** Listen on `host:port`; every admitted socket goes to `take`, reading into `onread` when given. */
export async function acceptOn(port: number, host: string, admission: Admission, answerHttp: boolean, take: (socket: net.Socket) => void,
  onread?: ReadInto): Promise<net.Server> {
  const admitted = (socket: net.Socket) => {
    if (admission.admit(socket, answerHttp)) take(socket);
  };
  // Half-open like node's http.Server: a client's FIN ends the connection after the response in flight.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, admitted);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => { server.off('error', reject); resolve(); });
  });
  if (onread !== undefined) readAcceptedInto(server, onread, admitted);
  return server;
}

type AcceptCallback = (this: unknown, err: number, client?: unknown) => void;

/**
 * Make `server`'s sockets read as `net.connect({ onread })`'s do, which
 * net.Server offers no option for: the listening handle's accept callback
 * (node's net.js `onconnection`, also what a cluster worker's round-robin
 * handle calls) is replaced by one that makes the socket as node's does,
 * with `onread` added. Left as it is where node's internals differ: the
 * sockets are then ordinary ones, which the fast path takes as well.
 */
function readAcceptedInto(server: net.Server, onread: ReadInto, admitted: (socket: net.Socket) => void): void {
  const handle = (server as unknown as { _handle?: { onconnection?: AcceptCallback } })._handle;
  const accept = handle?.onconnection;
  if (handle === undefined || typeof accept !== 'function') return;
  handle.onconnection = function (this: unknown, err: number, client?: unknown): void {
    if (err !== 0 || client === undefined) return accept.call(this, err, client);
    const options = { handle: client, allowHalfOpen: true, readable: true, writable: true, onread };
    const socket = new net.Socket(options as net.SocketConstructorOpts);
    socket.setNoDelay(true);
    admitted(socket);
  };
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

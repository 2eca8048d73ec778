/**
 * The worker's side of accepting: the primary listens on the public ports
 * and hands each connection over (distribute.ts); here it becomes a socket,
 * passes the connection caps (admission.ts) and goes to a data path: the
 * fast path (router/fast) or node's HTTP/TLS servers, which never listen
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

/** Where a listener's handed-over connections go: made a socket (reading into `onread` when given), admitted, given to `take`. */
export function entrance(admission: Admission, answerHttp: boolean, take: (socket: net.Socket) => void,
  onread?: ReadInto): (connection: unknown) => void {
  return (connection) => {
    const socket = socketOf(connection, onread);
    if (admission.admit(socket, answerHttp)) take(socket);
  };
}

/** Close a handed-over connection (a raw handle or a socket) without serving it. */
export function closeConnection(connection: unknown): void {
  if (connection instanceof net.Socket) connection.destroy();
  else (connection as { close(): void }).close();
}

/**
 * The socket of a handed-over connection. A raw TCP handle gets the socket
 * node's own accept makes, plus `onread` (which net.Server has no option
 * for, net.connect has); a socket (distribute.ts's fallback) is taken as it
 * is and reads as ordinary sockets do, which the fast path takes as well.
 * Half-open like node's http.Server: a client's FIN ends the connection
 * after the response in flight.
 */
function socketOf(connection: unknown, onread?: ReadInto): net.Socket {
  let socket: net.Socket;
  if (connection instanceof net.Socket) {
    socket = connection;
    socket.allowHalfOpen = true;
  } else {
    socket = new net.Socket({ handle: connection, allowHalfOpen: true, readable: true, writable: true, onread } as net.SocketConstructorOpts);
  }
  socket.setNoDelay(true);
  return socket;
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

/**
 * The client socket's events, routed to its FastConnection by shared
 * functions (no closures per connection: the connection hangs on its socket).
 *
 * Plain sockets read into one buffer per worker (`clientReads`, node's
 * `onread`; router/edge/accept.ts): no stream machinery and no buffer
 * allocated per read. TLS sockets, and plain ones where node's internals
 * leave no room for that, come through `data` events.
 */
import type net from 'node:net';

/** What a client socket's events reach. */
export interface ClientEvents {
  /** Bytes from the client, valid only during the call (they may be the worker's read buffer): what is kept is copied. */
  feed(data: Buffer): void;
  /** The client sent FIN. */
  ended(): void;
  /** The socket closed. */
  closed(): void;
  /** The client's buffer has room again. */
  drained(): void;
}

const CONNECTION = Symbol('tspaas.fast-connection');
/**
 * Every plain client socket of the worker reads into this one buffer. Safe
 * because a read is handled at once (`feed`), and node's parser copies what
 * it keeps past the read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** node's `onread` for the fast path's plain client sockets. */
export const clientReads = { buffer: READ_BUFFER, callback: onClientRead };

/** Route `socket`'s events to `conn` (an error destroys the socket; its close follows). */
export function listenToClient(socket: net.Socket, conn: ClientEvents): void {
  (socket as unknown as Record<symbol, ClientEvents>)[CONNECTION] = conn;
  socket.on('data', onClientData);
  socket.on('end', onClientEnd);
  socket.on('close', onClientClose);
  socket.on('error', onClientError);
  socket.on('drain', onClientDrain);
}

/** Stop routing `socket`'s events (it is handed to node's http.Server). */
export function stopListening(socket: net.Socket): void {
  delete (socket as unknown as Record<symbol, ClientEvents | undefined>)[CONNECTION];
  socket.removeListener('data', onClientData);
  socket.removeListener('end', onClientEnd);
  socket.removeListener('close', onClientClose);
  socket.removeListener('error', onClientError);
  socket.removeListener('drain', onClientDrain);
}

function connectionOf(s: net.Socket): ClientEvents {
  return (s as unknown as Record<symbol, ClientEvents>)[CONNECTION];
}

/**
 * A read into READ_BUFFER (`this` is the socket). A socket handed to node's
 * http.Server reads through that server's parser, or, once upgraded, through
 * here: its bytes then go to the socket's stream as node's own reads do,
 * copied. False stops reading (the stream's buffer is full).
 */
function onClientRead(this: net.Socket, nread: number): boolean {
  const conn = (this as unknown as Record<symbol, ClientEvents | undefined>)[CONNECTION];
  if (conn === undefined) return this.push(Buffer.from(READ_BUFFER.subarray(0, nread)));
  conn.feed(READ_BUFFER.subarray(0, nread));
  return true;
}

function onClientData(this: net.Socket, data: Buffer): void {
  connectionOf(this).feed(data);
}

function onClientEnd(this: net.Socket): void {
  connectionOf(this).ended();
}

function onClientClose(this: net.Socket): void {
  connectionOf(this).closed();
}

function onClientError(this: net.Socket): void {
  this.destroy();
}

function onClientDrain(this: net.Socket): void {
  connectionOf(this).drained();
}

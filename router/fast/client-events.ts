/**
 * The client socket's events, routed to its FastConnection by shared
 * functions (no closures per connection: the connection hangs on its socket).
 */
import type net from 'node:net';

/** What a client socket's events reach. */
export interface ClientEvents {
  /** Bytes from the client. */
  feed(data: Buffer): void;
  /** The client sent FIN. */
  ended(): void;
  /** The socket closed. */
  closed(): void;
  /** The client's buffer has room again. */
  drained(): void;
}

const CONNECTION = Symbol('tspaas.fast-connection');

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
  socket.removeListener('data', onClientData);
  socket.removeListener('end', onClientEnd);
  socket.removeListener('close', onClientClose);
  socket.removeListener('error', onClientError);
  socket.removeListener('drain', onClientDrain);
}

function connectionOf(s: net.Socket): ClientEvents {
  return (s as unknown as Record<symbol, ClientEvents>)[CONNECTION];
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

/**
 * Taking over a connection for attach and exec (Docker's "hijack"). After the
 * status line the socket carries raw bytes both ways: stdin in, output out.
 *
 * Two forms: the client sends `Connection: Upgrade` + `Upgrade: tcp` (the
 * docker CLI, dockerode with `hijack: true`) and gets `101 UPGRADED`, or it
 * sends a plain request and gets `200 OK` followed by the raw stream. Node
 * hands over the socket only for the first form; for the second the HTTP
 * parser's listeners are removed from the socket so that what the client
 * sends next reaches stdin instead of being parsed as a new request.
 */
import type { Socket } from 'node:net';
import type { ApiCall } from '../api-call.js';

/** Take over the connection of `call`, announce `contentType`, and return the raw socket. */
export function hijack(call: ApiCall, contentType: string): Socket {
  const socket = call.upgrade ? takeUpgraded(call, contentType) : takeOver(call, contentType);
  call.hijacked = true;
  call.ctx.hijacked.add(socket);
  socket.once('close', () => call.ctx.hijacked.delete(socket));
  socket.on('error', () => socket.destroy());
  socket.setTimeout(0);
  return socket;
}

/** Resolves once everything written to `socket` so far (the reply's head) has been handed to the kernel. */
export function flushed(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.write('', () => resolve()));
}

/**
 * How long the stream's first bytes wait after the head. docker-py reads the head through a buffered reader and
 * then reads the raw socket, so bytes that arrive together with the head are lost to it (attach with
 * `stream=false` returned nothing); in dockerd the log read between head and first bytes leaves a gap.
 */
export const HEAD_GAP_MS = 20;

/** Flush the head, then keep the gap (`HEAD_GAP_MS`) before the stream's first bytes. */
export async function afterHead(socket: Socket): Promise<void> {
  await flushed(socket);
  await new Promise((resolve) => setTimeout(resolve, HEAD_GAP_MS));
}

function takeUpgraded(call: ApiCall, contentType: string): Socket {
  const { socket, head } = call.upgrade!;
  call.res.detachSocket(socket);
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  call.upgrade!.head = Buffer.alloc(0);
  return socket;
}

function takeOver(call: ApiCall, contentType: string): Socket {
  const socket = call.req.socket;
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.removeAllListeners('timeout');
  call.res.detachSocket(socket);
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`);
  return socket;
}

/** Pumping an engine attachment (container or exec stdio) over a hijacked socket. */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Attachment } from '../../types.js';
import { outputEncoder } from './framing.js';

/**
 * Output goes to the socket (framed unless `multiplexed` is false); socket
 * data goes to stdin, and the client's half-close ends stdin while output
 * keeps flowing. When the attachment ends the socket is ended; when the
 * client goes away the attachment is detached (the process keeps running).
 */
export function relayAttachment(att: Attachment, socket: Socket, multiplexed: boolean): void {
  const encode = outputEncoder(multiplexed);
  let ended = false;
  att.onOutput((stream, data) => {
    if (!socket.destroyed) socket.write(encode(stream, data));
  });
  att.onEnd(() => {
    ended = true;
    if (!socket.destroyed) socket.end();
  });
  socket.once('close', () => {
    if (!ended) att.detach();
  });
  if (socket.destroyed && !ended) att.detach(); // the client left before the relay began
  if (att.stdin) relayStdin(socket, att.stdin, () => ended);
  else socket.resume();
}

/**
 * Socket data → stdin, the client's half-close → end of stdin; nothing is
 * written or ended once the attachment is over (the engine's stdin must not
 * be touched after its connection to the process is closed).
 */
function relayStdin(socket: Socket, stdin: Writable, over: () => boolean): void {
  stdin.on('error', () => { /* the process may close stdin before the client stops writing */ });
  socket.on('data', (d: Buffer) => {
    if (over() || stdin.writableEnded) return;
    if (!stdin.write(d)) {
      socket.pause();
      stdin.once('drain', () => socket.resume());
    }
  });
  socket.once('end', () => {
    if (!over() && !stdin.writableEnded) stdin.end();
  });
  socket.resume(); // reading the request body may have paused it
}

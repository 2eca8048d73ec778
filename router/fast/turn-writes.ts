/**
 * Writes that leave at the end of the event loop's turn. The fast path's
 * writes to backends (request heads) and to clients (responses) are
 * buffered on their sockets (`cork`) while the turn handles what its poll
 * returned, and go out together in the check phase right after it
 * (`setImmediate`), each socket's bytes in one system call as before.
 *
 * Why: on a loaded host every write whose reader sleeps wakes that reader,
 * and a proxy slower than its backends wakes them once per request. Sent
 * at the end of the turn, the requests of one turn reach a backend close
 * together and wake it once; the responses reach the client the same way.
 * Measured against the same build writing at once (docs/benchmarks.md,
 * 2026-12-07): more requests per second in every interleaved round, less
 * CPU per request in the router and in the backends, fewer involuntary
 * context switches. The cost is the rest of the turn, microseconds when
 * the router is idle.
 */
import type { Socket } from 'node:net';

/** Sockets corked this turn, once per deferred write (each is uncorked as often). */
const corked: Socket[] = [];
let scheduled = false;

/** Write `data` on `socket` at the end of this turn; false when the socket's buffer is full (as `write`). */
export function writeAtTurnEnd(socket: Socket, data: Buffer | string, encoding?: BufferEncoding): boolean {
  socket.cork();
  const ok = encoding === undefined ? socket.write(data) : socket.write(data, encoding);
  corked.push(socket);
  if (!scheduled) {
    scheduled = true;
    setImmediate(sendTurn);
  }
  return ok;
}

/** The turn's writes go out (a socket ended or destroyed meanwhile has nothing left to send). */
function sendTurn(): void {
  scheduled = false;
  for (let i = 0; i < corked.length; i++) corked[i].uncork();
  corked.length = 0;
}

/**
 * The public ports' accept loop, in the router's primary: it listens on the
 * HTTP and HTTPS ports and hands every accepted connection to the ready
 * workers in strict rotation, over the cluster's IPC channel (the worker's
 * side: accept.ts).
 *
 * Why not node's cluster round-robin: it gives the next connection to the
 * first worker that acknowledged its last one, so a burst of connections
 * (a client opening its pool, wrk's 64) lands unevenly — 37/27 to 44/20 over
 * two workers in bench:router — and every request on the busier worker's
 * connections waits longer (the p99 was higher in 8 of 9 interleaved
 * rounds, by up to 5 ms; docs/router.md "Connections to workers").
 * Rotation gives each worker every W-th connection: a burst splits evenly,
 * and a steady arrival of connections evenly in expectation.
 *
 * What crosses is the accepted TCP handle itself (node's `net.Native`
 * hand-off), taken from the listening handle's accept callback (node's
 * net.js `onconnection`) before node wraps it in a socket: the worker then
 * makes the only socket around it, reading into its own buffer. Where
 * node's internals differ, the connection crosses as a paused net.Socket,
 * node's documented way (`subprocess.send(message, socket)`).
 */
import type { Worker } from 'node:cluster';
import net from 'node:net';
import type { Logger } from 'pino';
import type { PublicListener } from '../types.js';
import { closeConnection } from './accept.js';

/** Connections held while no worker is ready (all starting or restarting); past this, new ones are closed. */
const MAX_WAITING = 1_024;
/**
 * A worker with this many connections still on their way (node sends the
 * next handle only once the worker acknowledged the last) is passed over
 * while another has fewer: a worker that stopped reading its IPC channel
 * (stuck, or dying) collects at most this many before the others take its
 * turns. Bursts of up to this many per worker still split evenly.
 */
const MAX_UNSENT = 64;

/** What crosses to a worker: a raw TCP handle, or (the fallback) a paused socket. */
type Accepted = object;

interface Waiting {
  listener: PublicListener;
  connection: Accepted;
}

/** The public listeners and the rotation of workers they deal to. */
export class Distributor {
  private readonly servers: net.Server[] = [];
  private readonly workers: Worker[] = [];
  private readonly waiting: Waiting[] = [];
  /** Per worker: connections handed to node for it whose send has not completed. */
  private readonly unsent = new Map<Worker, number>();
  private next = 0;
  private closed = false;
  private loggedFullAt = 0;

  constructor(private readonly log: Logger) {}

  /** Listen on `host:port` for `listener`'s connections; rejects when the port cannot be bound. */
  async listen(listener: PublicListener, port: number, host: string): Promise<void> {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => { server.off('error', reject); resolve(); });
    });
    // Past start-up, a failed accept (EMFILE, …) is the kernel's to retry: the connection stays in the backlog.
    server.on('error', (err) => this.log.error({ err, listener }, 'accept failed'));
    onAccepted(server, (connection) => this.deal(listener, connection));
    this.servers.push(server);
  }

  /** `w` takes connections from now on (it has said it is ready). */
  add(w: Worker): void {
    if (this.workers.includes(w)) return;
    this.workers.push(w);
    for (const { listener, connection } of this.waiting.splice(0)) this.deal(listener, connection);
  }

  /** `w` takes no more connections (it exited or is stopping). */
  remove(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    this.unsent.delete(w);
  }

  /** Stop accepting; connections not yet handed over are closed. */
  close(): void {
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const { connection } of this.waiting.splice(0)) closeConnection(connection);
  }

  /** Hand `connection` to the next worker in turn, or hold it until one is ready. */
  private deal(listener: PublicListener, connection: Accepted, tried = 0): void {
    if (this.closed) return closeConnection(connection);
    const connected = this.workers.filter((w) => w.isConnected());
    if (connected.length === 0 || tried >= connected.length) return this.hold(listener, connection);
    const w = this.nextOf(connected);
    this.unsent.set(w, (this.unsent.get(w) ?? 0) + 1);
    w.send({ type: 'connection', listener }, connection as net.Socket, (err) => {
      if (this.unsent.has(w)) this.unsent.set(w, this.unsent.get(w)! - 1);
      // A sent socket is node's to close once the worker acknowledges it; one that could not be sent is closed.
      if (connection instanceof net.Socket) {
        if (err !== null) connection.destroy();
        return;
      }
      // A raw handle crossed with the message (the kernel holds a copy until the worker reads it): ours is closed.
      if (err === null) closeConnection(connection);
      else this.deal(listener, connection, tried + 1);
    });
  }

  /** The next worker in turn that is not behind (MAX_UNSENT); the next in turn when all are. */
  private nextOf(connected: Worker[]): Worker {
    const start = this.next++;
    for (let k = 0; k < connected.length; k++) {
      const w = connected[(start + k) % connected.length];
      if ((this.unsent.get(w) ?? 0) < MAX_UNSENT) {
        this.next = start + k + 1;
        return w;
      }
    }
    return connected[start % connected.length];
  }

  private hold(listener: PublicListener, connection: Accepted): void {
    if (this.waiting.length < MAX_WAITING) {
      this.waiting.push({ listener, connection });
      return;
    }
    closeConnection(connection);
    if (Date.now() - this.loggedFullAt >= 1_000) {
      this.loggedFullAt = Date.now();
      this.log.warn({ waiting: this.waiting.length }, 'no worker ready to take connections; closing new ones');
    }
  }
}

type AcceptCallback = (this: unknown, err: number, client?: Accepted) => void;

/** Call `take` with each connection `server` accepts: the raw handle where node's internals allow, else the paused socket. */
function onAccepted(server: net.Server, take: (connection: Accepted) => void): void {
  const handle = (server as unknown as { _handle?: { onconnection?: AcceptCallback } })._handle;
  const accept = handle?.onconnection;
  if (handle === undefined || typeof accept !== 'function') {
    server.on('connection', take);
    return;
  }
  handle.onconnection = function (this: unknown, err: number, client?: Accepted): void {
    if (err !== 0 || client === undefined) return accept.call(this, err, client);
    take(client);
  };
}

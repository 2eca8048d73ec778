/**
 * Connection caps of one worker: at most `maxConnections` open client
 * connections in all and `maxPerAddress` from one client address (the
 * answer to Slowloris-style exhaustion, RSnake 2009: without a cap one
 * address can hold every connection the worker can keep). Like nginx's
 * `worker_connections`, both caps count per worker; a router with W workers
 * keeps up to W times as many. A refused plain-HTTP connection is answered
 * `503` with `Connection: close` (nginx's `limit_conn` status) and closed; a
 * refused TLS connection is closed before the handshake (there is no HTTP to
 * answer in yet). Refusals are counted for the admin endpoint and logged at
 * most once a second.
 */
import type net from 'node:net';
import type { Logger } from 'pino';

/** The answer of a refused plain-HTTP connection. */
const REFUSED = 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n'
  + 'Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n';
/** A refused connection is closed this long after its answer at the latest (the client may not read it). */
const REFUSED_LINGER_MS = 1_000;
/** At most one warning per this period, with the counts since the last. */
const LOG_EVERY_MS = 1_000;

/** Counters shown by the admin endpoint. */
export interface AdmissionCounts {
  open: number;
  /** Refused because the worker had `maxConnections` open. */
  refusedTotal: number;
  /** Refused because the address had `maxPerAddress` open. */
  refusedPerAddress: number;
}

/** The caps and counts of one worker. */
export class Admission {
  private readonly perAddress = new Map<string, number>();
  private open = 0;
  private refusedTotal = 0;
  private refusedPerAddress = 0;
  private loggedAt = 0;
  private unlogged = 0;
  private pending: NodeJS.Timeout | null = null;

  constructor(private readonly maxConnections: number, private readonly maxPerAddress: number, private readonly log: Logger) {}

  /** Take `socket` in, or refuse it (answered and closed); true when admitted. */
  admit(socket: net.Socket, answerHttp: boolean): boolean {
    const address = socket.remoteAddress ?? '';
    const held = this.perAddress.get(address) ?? 0;
    if (this.open >= this.maxConnections || held >= this.maxPerAddress) {
      this.refuse(socket, address, this.open >= this.maxConnections ? 'total' : 'address', answerHttp);
      return false;
    }
    this.open++;
    this.perAddress.set(address, held + 1);
    socket.once('close', () => this.release(address));
    return true;
  }

  /** The counters for the admin endpoint. */
  counts(): AdmissionCounts {
    return { open: this.open, refusedTotal: this.refusedTotal, refusedPerAddress: this.refusedPerAddress };
  }

  private release(address: string): void {
    this.open--;
    const held = this.perAddress.get(address)! - 1;
    if (held === 0) this.perAddress.delete(address);
    else this.perAddress.set(address, held);
  }

  private refuse(socket: net.Socket, address: string, cap: 'total' | 'address', answerHttp: boolean): void {
    if (cap === 'total') this.refusedTotal++;
    else this.refusedPerAddress++;
    socket.on('error', () => socket.destroy());
    if (answerHttp) {
      socket.end(REFUSED);
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    } else socket.destroy();
    this.unlogged++;
    const wait = this.loggedAt + LOG_EVERY_MS - Date.now();
    if (wait <= 0) this.report(address, cap);
    // Refusals inside the quiet period are reported at its end, never dropped.
    else this.pending ??= setTimeout(() => this.report(address, cap), wait).unref();
  }

  private report(address: string, cap: 'total' | 'address'): void {
    this.pending = null;
    this.log.warn({ lastAddress: address, cap, refused: this.unlogged, open: this.open, maxConnections: this.maxConnections, maxPerAddress: this.maxPerAddress },
      'connections refused: connection cap reached');
    this.loggedAt = Date.now();
    this.unlogged = 0;
  }
}

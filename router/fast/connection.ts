/**
 * A client connection on the fast path. The worker's accept loop gives it
 * the socket; it parses each request head with node's llhttp (stopped right
 * after the head), decides with decide.ts, and frames the body itself:
 * Content-Length bytes are forwarded as they come, chunked bodies are
 * decoded strictly and re-encoded (chunked.ts). One request at a time:
 * pipelined bytes wait until the response before them is complete, and a
 * request whose framing is in doubt is refused and the connection closed,
 * so one client's bytes are never read as another request.
 *
 * A request the fast path does not serve (decide.ts `handedOff`) goes, with
 * every byte of it not yet used, to node's http.Server and http-proxy.
 */
import type net from 'node:net';
import type { PageReason } from '../pages/errors.js';
import type { Timed } from '../proxy/deadlines.js';
import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import { framing, handedOff, verdict } from './decide.js';
import { FastExchange, record, type ClientSide, type FastContext, type FastListener } from './exchange.js';
import { listenToClient, stopListening } from './client-events.js';
import { backendHead, readFacts, type Origin } from './head.js';
import { bindRequestParser, HTTPParser, isParseError, METHODS, type HeadSink, type NativeParser, type ParseError } from './llhttp.js';
import { ClientOutput } from './output.js';
import { bareRefusal, pageAnswer, redirectHead } from './own-answers.js';
import { abandon, resumeResponse, sendToBackend, writeRequestBody } from './upstream.js';

const enum Mode { Head, Body, Wait, Closed }
/** Pipelined bytes kept while a response is pending, in request heads' worth; more pauses reading. */
const STASH_HEADS = 4;
/** After the router ended a connection, the client has this long to end its side. */
const CLOSE_LINGER_MS = 5_000;

/** One client connection. */
export class FastConnection implements ClientSide, ChunkSink, HeadSink {
  wheelSlot: Timed[] | null = null;
  wheelIndex = 0;
  keepAlive = true;
  private mode = Mode.Head;
  private readonly parser: NativeParser = new HTTPParser();
  /** Bytes of the head being parsed (given back whole on a hand-off). */
  private chunks: Buffer[] = [];
  /** Bytes after the current request, kept until its response is complete. */
  private stash: Buffer | null = null;
  private x: FastExchange | null = null;
  private bodyLeft = 0;
  private decoder: ChunkedDecoder | null = null;
  /** The backend socket corked while a client read is handled (uncorked at its end: head and body in one write). */
  private corked: net.Socket | null = null;
  /** The response bytes for the client. */
  private readonly out: ClientOutput;
  /** Between requests (keep-alive timeout) rather than inside a head (headers timeout). */
  private idle = true;
  private readonly origin: Origin;
  /** Filled by the parser's head callbacks. */
  seen = false;
  major = 0;
  minor = 0;
  method = 0;
  url = '';
  headers: string[] = [];
  upgrade = false;
  shouldKeepAlive = false;

  constructor(readonly ctx: FastContext, readonly socket: net.Socket, readonly listener: FastListener) {
    this.out = new ClientOutput(socket);
    this.origin = { clientIp: socket.remoteAddress ?? '', proto: listener.edge.proto, port: listener.edge.port };
    bindRequestParser(this.parser, this);
    this.parser.initialize(HTTPParser.REQUEST, this.parser, ctx.worker.config.maxHeaderBytes, 0);
    listenToClient(socket, this);
    ctx.connections.arm(this, ctx.worker.config.headersTimeoutMs);
    ctx.open.add(this);
  }

  /** The worker stops: close now when between requests, else after the response in flight. */
  shutdown(): void {
    this.keepAlive = false;
    if (this.mode === Mode.Head && this.idle) this.close();
  }

  /** Bytes from the client, in whatever state the connection is. */
  feed(data: Buffer): void {
    let next: Buffer | null = data;
    while (next !== null && next.length > 0 && this.mode !== Mode.Closed) {
      if (this.mode === Mode.Head) next = this.readHead(next);
      else if (this.mode === Mode.Body && this.x?.queued !== true) next = this.readBody(next);
      else {
        this.keep(next);
        next = null;
      }
    }
    const corked = this.corked;
    if (corked !== null) {
      this.corked = null;
      corked.uncork();
    }
  }

  private readHead(buf: Buffer): Buffer | null {
    if (this.idle) {
      this.idle = false;
      this.ctx.connections.arm(this, this.ctx.worker.config.headersTimeoutMs);
    }
    if (this.chunks.length === 0) {
      // A new head: the last one's lines go (llhttp.ts bindRequestParser).
      this.headers = [];
      this.url = '';
    }
    this.chunks.push(buf);
    this.seen = false;
    const r = this.parser.execute(buf);
    if (isParseError(r)) {
      this.refuseHead(r);
      return null;
    }
    if (!this.seen) {
      // The head goes on in a later read: these bytes are kept (a read is only valid during `feed`).
      this.chunks[this.chunks.length - 1] = Buffer.from(buf);
      return null;
    }
    const whole = this.chunks;
    this.chunks = [];
    this.ctx.connections.disarm(this);
    return this.begin(whole, buf.subarray(r));
  }

  /** A complete head: hand it off, refuse it, answer it, or send it to a backend. Returns the bytes after the head. */
  private begin(whole: Buffer[], rest: Buffer): Buffer | null {
    const facts = readFacts(this.headers);
    if (handedOff({ major: this.major, minor: this.minor, method: METHODS[this.method], upgrade: this.upgrade, facts })) {
      this.handOff(whole.length === 1 ? Buffer.from(whole[0]) : Buffer.concat(whole));
      return null;
    }
    const x = new FastExchange(this, METHODS[this.method], this.url, facts);
    this.x = x;
    this.ctx.worker.inflight++;
    this.keepAlive = this.shouldKeepAlive;
    const frame = framing(facts);
    if (frame.kind === 'refused') {
      this.keepAlive = false;
      this.mode = Mode.Wait;
      this.refuse(x, frame.reason);
      return null;
    }
    x.hasBody = frame.kind !== 'none';
    const redirectPort = this.listener.edge.encrypted ? 0 : this.ctx.worker.config.httpsPort;
    const answer = verdict(x, redirectPort, frame.kind === 'length' ? frame.length : 0);
    if (answer !== null) {
      // The body is not read: the connection ends after the answer.
      if (x.hasBody) this.keepAlive = false;
      x.requestDone = true;
      this.mode = Mode.Wait;
      if (answer.kind === 'page') this.refuse(x, answer.reason);
      else this.redirect(x, answer.location);
      return x.hasBody ? null : rest;
    }
    x.head = backendHead(x.method, x.url, this.headers, facts, this.origin, x.requestId, frame.kind === 'chunked');
    if (frame.kind === 'length') {
      this.bodyLeft = frame.length;
      this.mode = Mode.Body;
    } else if (frame.kind === 'chunked') {
      this.decoder = new ChunkedDecoder(this);
      this.mode = Mode.Body;
    } else {
      x.requestDone = true;
      this.mode = Mode.Wait;
    }
    if (!sendToBackend(x, x.hasBody)) this.refuse(x, 'bad-gateway');
    else if (x.hasBody && x.upstream !== null) this.corked = x.upstream.socket;
    return rest;
  }

  private readBody(buf: Buffer): Buffer | null {
    const up = this.x?.upstream;
    if (this.corked === null && up) {
      this.corked = up.socket;
      up.socket.cork();
    }
    if (this.decoder !== null) {
      const used = this.decoder.write(buf);
      return used === -1 || used === buf.length ? null : buf.subarray(used);
    }
    const take = Math.min(this.bodyLeft, buf.length);
    this.bodyLeft -= take;
    this.forward(take === buf.length ? buf : buf.subarray(0, take));
    if (this.bodyLeft === 0) this.end();
    return take === buf.length ? null : buf.subarray(take);
  }

  /** Body bytes for the backend (dropped when the exchange is over: the body is read to find the next request). */
  private forward(data: Buffer): void {
    const x = this.bodyTarget(data.length);
    if (x !== null && !writeRequestBody(x, Buffer.from(data))) this.socket.pause();
  }

  /** A decoded piece of a chunked body: sent on as one chunk. */
  chunk(data: Buffer): void {
    const x = this.bodyTarget(data.length);
    if (x === null) return;
    writeRequestBody(x, `${data.length.toString(16)}\r\n`);
    writeRequestBody(x, Buffer.from(data));
    if (!writeRequestBody(x, '\r\n')) this.socket.pause();
  }

  /**
   * The exchange `n` more body bytes go to, counted against the route's body limit; null when they
   * are dropped (no exchange or no backend yet) or when they pass the limit (then answered 413).
   */
  private bodyTarget(n: number): FastExchange | null {
    const x = this.x;
    if (x === null || x.upstream === null) return null;
    x.bodyBytes += n;
    if (x.bodyBytes > x.entry!.route.maxBodyBytes) { this.bodyTooLarge(x); return null; }
    return x;
  }

  attached(): void {
    // Body bytes that came while the request waited for a backend connection were held with the pipelined ones.
    const held = this.stash;
    if (this.mode !== Mode.Body || held === null) return;
    this.stash = null;
    this.socket.resume();
    this.feed(held);
  }

  /** The request body is complete. */
  end(): void {
    const x = this.x;
    if (this.decoder !== null) {
      this.decoder = null;
      if (x !== null) writeRequestBody(x, '0\r\n\r\n');
    }
    if (x === null) return this.next();
    x.requestDone = true;
    this.mode = Mode.Wait;
  }

  /** A chunked body outside the grammar: 400 and close (what follows cannot be trusted to be a request). */
  fail(): void {
    const x = this.x;
    if (x !== null) abandon(x);
    if (x !== null && x.responseStarted) this.destroy(x, 499);
    else this.refuseRaw(400);
  }

  private bodyTooLarge(x: FastExchange): void {
    abandon(x);
    if (x.responseStarted) return this.destroy(x, 499);
    this.keepAlive = false;
    this.refuse(x, 'body-too-large');
    // The rest of the body is not read: no request can follow it.
    this.close();
  }

  /** Bytes after the current request while its response is pending. */
  private keep(data: Buffer): void {
    this.stash = this.stash === null ? Buffer.from(data) : Buffer.concat([this.stash, data]);
    if (this.stash.length > STASH_HEADS * this.ctx.worker.config.maxHeaderBytes) this.socket.pause();
  }

  gather(): void {
    this.out.gather();
  }

  flush(): boolean {
    return this.out.flush();
  }

  writeHead(head: string): void {
    this.out.head(head);
  }

  writeBody(data: Buffer, chunk: boolean): boolean {
    return this.out.body(data, chunk);
  }

  responseEnded(x: FastExchange, status: number): void {
    this.flush();
    this.finish(x, status);
    if (status === 499) return this.close();
    // The request body is still arriving: it is read (and dropped) to find the next request; a pause for the backend's sake ends.
    if (this.mode === Mode.Body) {
      this.socket.resume();
      return;
    }
    this.next();
  }

  refuse(x: FastExchange, reason: PageReason): void {
    this.flush();
    const page = pageAnswer(this.ctx, x, reason, this.keepAlive);
    this.socket.cork();
    this.socket.write(page.head, 'latin1');
    this.socket.write(page.body);
    this.socket.uncork();
    x.status = page.status;
    this.responseEnded(x, page.status);
  }

  private redirect(x: FastExchange, location: string): void {
    this.socket.write(redirectHead(this.ctx, x, location, this.keepAlive), 'latin1');
    this.responseEnded(x, 308);
  }

  /** Refuse what cannot be parsed or framed: a bare status, then close (as router/worker.ts does for node's parser). */
  private refuseRaw(status: 400 | 408 | 431): void {
    this.flush();
    this.socket.end(bareRefusal(status));
    const x = this.x;
    if (x !== null) this.finish(x, status);
    this.close();
  }

  private refuseHead(err: ParseError): void {
    this.refuseRaw(err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);
  }

  /** The exchange is over: counters, stats, access log. */
  private finish(x: FastExchange, status: number): void {
    if (this.x !== x) return;
    this.x = null;
    this.ctx.worker.inflight--;
    record(this.ctx, x, status, this.socket.bytesWritten - x.sentBefore);
  }

  /** Ready for the next request (or closed when the exchange ended keep-alive). */
  private next(): void {
    if (!this.keepAlive) return this.close();
    this.mode = Mode.Head;
    this.idle = true;
    this.parser.initialize(HTTPParser.REQUEST, this.parser, this.ctx.worker.config.maxHeaderBytes, 0);
    this.ctx.connections.arm(this, this.ctx.worker.config.keepAliveTimeoutMs);
    // Paused for a full backend or a long stash: the backend's drain may come after the exchange ended.
    this.socket.resume();
    const stash = this.stash;
    if (stash === null) return;
    this.stash = null;
    // After the current callback stack (a backend parser may be mid-execute).
    queueMicrotask(() => this.feed(stash));
  }

  private destroy(x: FastExchange, status: number): void {
    this.finish(x, status);
    this.close();
    this.socket.destroy();
  }

  /** No more requests: end the connection once what was written is out. */
  private close(): void {
    this.flush();
    if (this.mode === Mode.Closed) return;
    this.mode = Mode.Closed;
    this.socket.end();
    // A client that keeps sending after our end gets this long before the connection is cut.
    this.ctx.connections.arm(this, CLOSE_LINGER_MS);
  }

  /** The headers or keep-alive timeout passed, or the linger after our end (connections wheel). */
  expire(): void {
    if (this.mode === Mode.Closed) this.socket.destroy();
    if (this.mode !== Mode.Head) return;
    if (this.idle) {
      this.mode = Mode.Closed;
      this.socket.destroy();
    } else this.refuseRaw(408);
  }

  /** The client closed: an exchange in flight is abandoned (499). */
  closed(): void {
    this.ctx.open.delete(this);
    this.mode = Mode.Closed;
    this.ctx.connections.disarm(this);
    const x = this.x;
    if (x !== null) {
      abandon(x);
      this.finish(x, 499);
    }
  }

  /**
   * The client sent FIN. A request in flight is abandoned (499) and its
   * backend connection closed, as node's http.Server does (it ends the
   * socket, then aborts the request) and nginx ("client prematurely closed
   * connection"): the backend never holds a request nobody waits for.
   */
  ended(): void {
    this.keepAlive = false;
    const x = this.x;
    if (x !== null) {
      abandon(x);
      this.finish(x, 499);
    }
    this.close();
  }

  drained(): void {
    if (this.x !== null) resumeResponse(this.x);
  }

  /** Give the socket, with `bytes` put back in front, to node's http.Server (http-proxy path). */
  private handOff(bytes: Buffer): void {
    this.ctx.open.delete(this);
    this.mode = Mode.Closed;
    this.ctx.connections.disarm(this);
    const s = this.socket;
    stopListening(s);
    s.pause();
    s.unshift(bytes);
    this.listener.handOff(s);
    s.resume();
  }
}

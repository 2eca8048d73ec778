/**
 * The CLI's HTTP client for the Engine API on its unix socket. Four shapes of
 * call, all with the server's errors turned into `TspaasError`s carrying the
 * server's message:
 * - `json`: a JSON request and a JSON (or empty) answer;
 * - `lines`: a streamed answer of JSON objects, one per line (progress);
 * - `stream`: the raw answer body (tar archives, logs), optionally sending a raw body;
 * - `hijack`: an upgraded connection carrying stdio both ways (attach, exec);
 *   output is multiplexed (see frames.ts) unless the process has a tty.
 */
import http from 'node:http';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { TspaasError, unavailable } from '../lib/errors.js';
import { kindOfStatus } from '../lib/http-status.js';

type QueryValue = string | number | boolean | string[] | undefined | null;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (tar archives); `contentType` defaults to application/x-tar. */
  input?: Readable | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}


/** A hijacked connection: the process's output, and its stdin (null when the server did not upgrade). */
export interface Hijacked {
  /** Buffered from the moment of the upgrade, so nothing is lost before the caller listens. */
  output: Readable;
  input: Writable | null;
}

/** The error for an unsuccessful answer: the kind from the status (lib/http-status.ts, read backwards), the message from the body. */
export function errorFromResponse(status: number, body: string): TspaasError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch { /* not JSON: keep the text */ }
  return new TspaasError(kindOfStatus(status), message || `HTTP ${status}`);
}

/** Encode a query string: arrays repeat the key, booleans become 1/0, empty values are left out. */
export function encodeQuery(query: Record<string, QueryValue> = {}): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class EngineClient {
  /** Path of the unix socket, e.g. /run/tspaas/engine.sock. */
  constructor(readonly socketPath: string) {}

  /** Send a request and parse the JSON answer (undefined for an empty one). */
  async json<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.text(method, path, opts);
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** Send a request and return the answer as text. */
  async text(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    return readText(await this.stream(method, path, opts));
  }

  /** Send a request and yield each JSON line of the streamed answer; an `{error}` line throws. */
  async *lines<T = Record<string, unknown>>(method: string, path: string, opts: RequestOptions = {}): AsyncGenerator<T> {
    const res = await this.stream(method, path, opts);
    let rest = '';
    for await (const chunk of res) {
      const parts = (rest + String(chunk)).split('\n');
      rest = parts.pop()!;
      for (const line of parts) if (line.trim()) yield checkLine<T>(line);
    }
    if (rest.trim()) yield checkLine<T>(rest);
  }

  /** Send a request and return the raw answer once its status is known to be a success (2xx or 304). */
  stream(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.request(method, path, opts);
      req.on('error', (err) => reject(this.connectionError(err)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status < 300 || status === 304) return resolve(res);
        readText(res).then((body) => reject(errorFromResponse(status, body)), reject);
      });
      send(req, opts);
    });
  }

  /** Upgrade the connection (attach, exec start); resolves once the server has switched protocols. */
  hijack(method: string, path: string, opts: RequestOptions = {}): Promise<Hijacked> {
    return new Promise((resolve, reject) => {
      const req = this.request(method, path, { ...opts, headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers } });
      req.on('error', (err) => reject(this.connectionError(err)));
      req.on('upgrade', (_res, socket, head) => {
        const output = new PassThrough();
        if (head.length) output.write(head);
        socket.pipe(output);
        socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? output.end() : output.destroy(err)));
        socket.on('close', () => { if (!output.writableEnded) output.end(); });
        resolve({ output, input: socket });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status >= 300) return void readText(res).then((body) => reject(errorFromResponse(status, body)), reject);
        resolve({ output: res, input: null }); // an old-style hijack without 101: output only
      });
      send(req, opts);
    });
  }

  /** True when the engine answers `GET /_ping`. */
  async ping(): Promise<boolean> {
    try {
      await this.text('GET', '/_ping');
      return true;
    } catch {
      return false;
    }
  }

  private request(method: string, path: string, opts: RequestOptions): http.ClientRequest {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    else if (opts.input) headers['Content-Type'] = opts.contentType ?? 'application/x-tar';
    return http.request({ socketPath: this.socketPath, method, path: path + encodeQuery(opts.query), headers, agent: false });
  }

  private connectionError(err: Error & { code?: string }): TspaasError {
    const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
      ? 'is tspaasd running? Start it with `tspaas up`'
      : err.message;
    return unavailable(`cannot connect to the tspaas engine at unix://${this.socketPath}: ${why}`, err);
  }
}

function send(req: http.ClientRequest, opts: RequestOptions): void {
  if (opts.body !== undefined) return void req.end(JSON.stringify(opts.body));
  if (Buffer.isBuffer(opts.input)) return void req.end(opts.input);
  if (opts.input) {
    opts.input.on('error', (err) => req.destroy(err));
    return void opts.input.pipe(req);
  }
  req.end();
}

function checkLine<T>(line: string): T {
  const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
  if (msg.error || msg.errorDetail) throw new TspaasError('Internal', msg.errorDetail?.message ?? msg.error ?? 'error');
  return msg as T;
}

/** Parse a whole answer body as JSON (undefined when empty); pairs with `stream` for long polls such as wait. */
export async function readJson<T>(res: Readable): Promise<T> {
  const text = await readText(res);
  return (text.trim() ? JSON.parse(text) : undefined) as T;
}

async function readText(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The CLI's client of the platform API (`/v1`, platform/api/types.ts): JSON
 * calls, line streams (NDJSON events and logs, plain build logs) and the
 * WebSocket of `tspaas run`. An error body `{error: {kind, message, hint}}`
 * becomes a `PlatformError` carrying the hint; the commands' edge prints it.
 */
import type WebSocket from 'ws';
import { TspaasError, type ErrorKind } from '../lib/errors.js';
import { STATUS_OF_KIND, kindOfStatus } from '../lib/http-status.js';
import type { ApiError } from '../platform/api/types.js';
import { platformUrl, readLogins } from './platform-credentials.js';

const KINDS = Object.keys(STATUS_OF_KIND) as ErrorKind[];

/** An error to show as `tspaas: <message>` followed by `hint: <hint>`. */
export class PlatformError extends TspaasError {
  constructor(kind: ErrorKind, message: string, readonly hint?: string, readonly status?: number) {
    super(kind, message);
  }
}

/** Where the platform is and who we are there. */
export interface PlatformTarget { url: string; token: string }

/** How commands reach the platform: the logins file, or TSPAAS_URL/TSPAAS_TOKEN (both win over the file). */
export interface PlatformSettings { file?: string; url?: string; token?: string }

/** The platform to talk to: TSPAAS_URL/TSPAAS_TOKEN, else the current login of the logins file. */
export async function platformTarget(settings: PlatformSettings): Promise<PlatformTarget> {
  const logins = settings.file ? await readLogins(settings.file) : { current: null, servers: {} };
  const url = settings.url ? platformUrl(settings.url) : logins.current;
  const token = settings.token ?? (url ? logins.servers[url]?.token : undefined);
  if (!url || !token) {
    throw new PlatformError('Unauthorized', url ? `not logged in to ${url}` : 'not logged in to a tspaas platform',
      `log in with \`tspaas login ${url ?? 'http://<host>:5080'}\` (token from your admin, or printed by tspaasd at its first start)`);
  }
  return { url, token };
}

/** A client for one platform, authenticated by a bearer token. */
export class PlatformClient {
  constructor(readonly url: string, private readonly token: string) {}

  /** Call `path` (under /v1) with an optional JSON body; resolves with the parsed reply (undefined for 204). */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The reply of `path` line by line (NDJSON or text), as it streams; aborted by `signal`. */
  async *lines(path: string, signal?: AbortSignal): AsyncIterable<string> {
    const res = await this.request('GET', path, undefined, signal);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let rest = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const line of parts) yield line.replace(/\r$/, '');
    }
    rest += decoder.decode();
    if (rest) yield rest;
  }

  /** NDJSON of `path`, parsed line by line (empty lines skipped). */
  async *ndjson<T>(path: string, signal?: AbortSignal): AsyncIterable<T> {
    for await (const line of this.lines(path, signal)) if (line.trim()) yield JSON.parse(line) as T;
  }

  /** Open the WebSocket at `path`; resolves once it is open, rejects with the API's error otherwise. */
  async openSocket(path: string): Promise<WebSocket> {
    const url = `${this.url.replace(/^http/, 'ws')}/v1${path}`;
    const { default: WebSocketClient } = await import('ws'); // only `tspaas run` needs ws: no other command loads it
    const ws = new WebSocketClient(url, { headers: { authorization: `Bearer ${this.token}` } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(apiError(res.statusCode ?? 500, Buffer.concat(chunks).toString(), this.url)));
      });
      ws.once('error', (err) => reject(unreachable(this.url, err)));
    });
  }

  private async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw unreachable(this.url, err);
    }
    if (res.status >= 400) throw apiError(res.status, await res.text(), this.url);
    return res;
  }
}

/** The client of the current platform (see `platformTarget`). */
export async function connectPlatform(settings: PlatformSettings): Promise<PlatformClient> {
  const { url, token } = await platformTarget(settings);
  return new PlatformClient(url, token);
}

/** An API error reply → PlatformError: the body's kind, else the status's (lib/http-status.ts); 401 gets a hint to log in again. */
export function apiError(status: number, text: string, url: string): PlatformError {
  let body: Partial<ApiError> = {};
  try {
    body = JSON.parse(text) as ApiError;
  } catch { /* not JSON: a proxy or an old daemon */ }
  const e = body.error;
  const kind = KINDS.find((k) => k === e?.kind) ?? kindOfStatus(status);
  const message = e?.message ?? `the platform answered ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`;
  const hint = e?.hint ?? (status === 401 ? `your token was not accepted: log in again with \`tspaas login ${url}\`` : undefined);
  return new PlatformError(kind, message, hint, status);
}

function unreachable(url: string, err: unknown): PlatformError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new PlatformError('Unavailable', `cannot reach the platform at ${url} (${why})`,
    'is tspaasd running? Start it with `tspaas up`, or log in to another platform with `tspaas login <url>`');
}

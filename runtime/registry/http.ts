/**
 * The wire: one HTTP(S) request with keep-alive, redirects followed for
 * GET/HEAD (blob downloads often redirect to storage; credentials are not
 * sent to another host), and the registry's error bodies turned into error
 * kinds. Plain HTTP only where the caller asked for it (insecure registries).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { forbidden, notFound, unavailable, type TspaasError } from '../../lib/errors.js';

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };
const MAX_REDIRECTS = 5;

export interface WireRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A buffer, or a function opening the body stream (called once). */
  body?: Buffer | (() => Readable);
}

/** Send one request; resolves with the response of the last redirect hop. */
export async function send(req: WireRequest): Promise<IncomingMessage> {
  let url = new URL(req.url);
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(req, url, headers);
    const location = res.headers.location;
    const redirect = [301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && location && (req.method === 'GET' || req.method === 'HEAD');
    if (!redirect || hop >= MAX_REDIRECTS) return res;
    res.resume();
    const next = new URL(location, url);
    if (next.host !== url.host) headers = withoutAuth(headers);
    url = next;
  }
}

function withoutAuth(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

function sendOnce(req: WireRequest, url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(url, { method: req.method, headers, agent: secure ? agents.https : agents.http });
    r.on('error', (err) => reject(unavailable(`cannot reach registry ${url.host}: ${err.message}`, err)));
    r.on('response', resolve);
    if (req.body === undefined) return void r.end();
    if (Buffer.isBuffer(req.body)) return void r.end(req.body);
    const body = req.body();
    body.on('error', (err) => r.destroy(err));
    body.pipe(r);
  });
}

/** The whole body of a response. */
export async function readAll(res: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) {
      res.destroy();
      throw unavailable(`registry reply larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The error for an unexpected status: the registry's own error codes and messages when it sent them. */
export async function replyError(res: IncomingMessage, what: string): Promise<TspaasError> {
  const status = res.statusCode ?? 0;
  const text = (await readAll(res, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
  let detail = text.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(parsed.errors) && parsed.errors.length) detail = parsed.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch { /* not JSON */ }
  const message = `${what}: ${detail || `HTTP ${status}`}`;
  if (status === 401 || status === 403) return forbidden(message);
  if (status === 404) return notFound(message);
  return unavailable(`${message} (HTTP ${status})`);
}

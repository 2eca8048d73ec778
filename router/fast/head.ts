/**
 * Heads on the fast path: what the router needs to know of a request head
 * (one pass over llhttp's raw header list), the head sent to the backend
 * (hop-by-hop headers dropped, X-Forwarded-*, X-Request-Id and Via set —
 * the same rules as router/proxy/passes.ts), and the heads written to the
 * client (the backend's, cleaned as router/proxy/forward.ts does, or a page's).
 */
import { STATUS_CODES } from 'node:http';
import { responseHeaders } from '../proxy/forward.js';
import { VIA_TOKEN } from '../proxy/passes.js';

/** The request head facts the fast path decides on. */
export interface RequestFacts {
  host: string | undefined;
  /** More than one Host line: refused (RFC 9112 §3.2, nginx "client sent duplicate host header"). */
  hosts: number;
  /** Content-Length value (llhttp refused invalid and duplicate ones already); -1 when absent. */
  contentLength: number;
  /** Transfer-Encoding value, or undefined. */
  transferEncoding: string | undefined;
  expect: boolean;
  /** Lower-cased names the Connection header lists. */
  connection: string[];
  requestId: string | undefined;
  forwardedFor: string | undefined;
  via: string | undefined;
  accept: string | undefined;
}

/** Hop-by-hop request headers (RFC 9110 §7.6.1) and those the router sets itself: never copied to the backend. */
const REQUEST_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host', 'x-request-id', 'via']);

/** One pass over the raw `[name, value, …]` list. */
export function readFacts(raw: string[]): RequestFacts {
  const f: RequestFacts = {
    host: undefined, hosts: 0, contentLength: -1, transferEncoding: undefined, expect: false, connection: [],
    requestId: undefined, forwardedFor: undefined, via: undefined, accept: undefined,
  };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === 'host') { f.host ??= value; f.hosts++; }
    else if (name === 'content-length') f.contentLength = Number(value);
    else if (name === 'transfer-encoding') f.transferEncoding = f.transferEncoding === undefined ? value : `${f.transferEncoding}, ${value}`;
    else if (name === 'expect') f.expect = true;
    else if (name === 'connection') for (const t of value.toLowerCase().split(',')) { if (t.trim() !== '') f.connection.push(t.trim()); }
    else if (name === 'x-request-id') f.requestId ??= value;
    else if (name === 'x-forwarded-for') f.forwardedFor = f.forwardedFor === undefined ? value : `${f.forwardedFor}, ${value}`;
    else if (name === 'via') f.via = f.via === undefined ? value : `${f.via}, ${value}`;
    else if (name === 'accept') f.accept ??= value;
  }
  return f;
}

/** Where the request came in: the forwarding headers' values. */
export interface Origin {
  clientIp: string;
  proto: string;
  port: string;
}

/** The request head for the backend (HTTP/1.1, keep-alive; `chunked`: the body is re-encoded chunked). */
export function backendHead(method: string, url: string, raw: string[], f: RequestFacts, o: Origin, requestId: string, chunked: boolean): string {
  let head = `${method} ${url} HTTP/1.1\r\n`;
  const named = f.connection;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (REQUEST_DROPPED.has(lower) || (named.length > 0 && named.includes(lower))) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  head += `x-forwarded-for: ${f.forwardedFor === undefined ? o.clientIp : `${f.forwardedFor}, ${o.clientIp}`}\r\n`
    + `x-forwarded-proto: ${o.proto}\r\nx-forwarded-port: ${o.port}\r\nx-forwarded-host: ${f.host}\r\n`
    + `x-request-id: ${requestId}\r\nvia: ${f.via === undefined ? VIA_TOKEN : `${f.via}, ${VIA_TOKEN}`}\r\n`;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return `${head}connection: keep-alive\r\n\r\n`;
}

/** The `Date` header value, made at most once a second. */
let dateValue = '';
let dateSecond = -1;
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

/** The headers node's ServerResponse adds after the given ones (Date, Connection, Keep-Alive), which the fast path adds too. */
function trailingHeaders(hasDate: boolean, keepAlive: boolean, keepAliveSeconds: number): string {
  const date = hasDate ? '' : `Date: ${httpDate()}\r\n`;
  return keepAlive ? `${date}Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n` : `${date}Connection: close\r\n`;
}

/** The client's response head from the backend's status and raw headers; `chunk`: the router frames the body chunked. */
export function clientHead(status: number, raw: string[], requestId: string, chunk: boolean, keepAlive: boolean, keepAliveSeconds: number): string {
  const list = responseHeaders(raw, requestId);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  let hasDate = false;
  for (let i = 0; i < list.length; i += 2) {
    if (list[i].length === 4 && list[i].toLowerCase() === 'date') hasDate = true;
    head += `${list[i]}: ${list[i + 1]}\r\n`;
  }
  head += trailingHeaders(hasDate, keepAlive, keepAliveSeconds);
  if (chunk) head += 'Transfer-Encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** The head of a response the router makes itself (pages, redirects), as node writes it from a header object. */
export function ownHead(status: number, headers: [string, string][], keepAlive: boolean, keepAliveSeconds: number): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return `${head}${trailingHeaders(false, keepAlive, keepAliveSeconds)}\r\n`;
}

/** Small helpers to read query parameters and write replies the way dockerd does. */
import type { ServerResponse } from 'node:http';
import { invalid } from '../../../lib/errors.js';

/** Write `value` as a JSON reply. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reply with a status and no body (204 for most actions). */
export function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status).end();
}

/** Docker's boolean query values: absent, "", "0", "no", "false" and "none" are false; anything else is true. */
export function boolParam(query: URLSearchParams, name: string, fallback = false): boolean {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const v = raw.trim().toLowerCase();
  return !(v === '' || v === '0' || v === 'no' || v === 'false' || v === 'none');
}

/** An integer query value; undefined when absent or empty, `Invalid` when not a number. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw invalid(`invalid value for "${name}": ${raw}`);
  return n;
}

/** The `h` and `w` of a resize (`/containers/:id/resize`, `/exec/:id/resize`); `Invalid` unless both are there. */
export function terminalSize(query: URLSearchParams): { h: number; w: number } {
  const h = intParam(query, 'h');
  const w = intParam(query, 'w');
  if (h === undefined || w === undefined) throw invalid('resize needs both "h" and "w"');
  return { h, w };
}

/** A required, non-empty query value. */
export function requiredParam(query: URLSearchParams, name: string): string {
  const v = query.get(name);
  if (!v) throw invalid(`missing parameter "${name}"`);
  return v;
}

/** Start a streaming reply: status and headers go out at once, the body follows. */
export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
}

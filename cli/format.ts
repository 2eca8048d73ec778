/**
 * How the CLI shows things to humans: aligned tables, sizes, relative times,
 * short IDs, and the `--format` templates of `inspect`. Pure functions only;
 * the data itself comes unchanged from the Engine API.
 */
import { invalid } from '../lib/errors.js';
import { humanDuration } from '../lib/human.js';
import { parseGoDuration } from '../lib/go-duration.js';

/**
 * Align rows under headers like Docker's tabwriter (min width 10, padding 3);
 * the last column is not padded. Returns the lines joined, ending in "\n".
 */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, col) => Math.max(10, ...all.map((r) => (r[col] ?? '').length + 3)));
  const line = (r: string[]) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('').trimEnd();
  return all.map(line).join('\n') + '\n';
}

/** Decimal size with 3 significant digits, as `docker images` shows it: 4.26MB, 123kB, 0B. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Binary size with 4 significant digits, as `docker stats` shows memory: 1.5MiB. */
export function humanBytesBinary(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}



/** "5 minutes ago" for a time given as unix seconds or an RFC 3339 string. */
export function timeAgo(when: number | string, now: number = Date.now()): string {
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  if (!Number.isFinite(ms) || ms <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - ms))} ago`;
}

/** The 12-character form of an ID, without its `sha256:` prefix. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Cut a string to `max` characters, marking the cut with "…". */
export function ellipsis(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Parse `--since`/`--until` values into unix seconds: RFC 3339 times
 * (2024-01-02T03:04:05Z, also a date alone), unix seconds (fractional
 * allowed), or a duration before `now` (10m, 1h30m, 45s, 500ms).
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const duration = parseGoDuration(v);
  if (duration !== undefined) return (now - duration) / 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(/T/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? `${v}Z` : v);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw invalid(`invalid time "${value}": use RFC 3339 (2024-01-02T15:04:05Z), unix seconds, or a duration like 10m`);
}

/**
 * A small subset of Docker's Go templates for `--format`: `{{.A.B}}` inserts a
 * field, `{{json .A}}` inserts it as JSON, `{{json .}}` the whole object.
 */
export function renderTemplate(format: string, data: unknown): string {
  return format.replace(/\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g, (_all, json: string | undefined, path: string) => {
    let v: unknown = data;
    for (const key of path.split('.').filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[key];
    if (json) return JSON.stringify(v);
    if (v === undefined || v === null) return '<no value>';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** Times the way Docker's API and CLI write them. */
import { invalid } from '../../../lib/errors.js';

/** Go's zero time, which Docker sends for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** Milliseconds since the epoch of an RFC 3339 time; NaN for Go's zero time or garbage. */
export function epochMs(time: string): number {
  if (!time || time.startsWith('0001-01-01')) return NaN;
  return Date.parse(time);
}

/** Whole unix seconds of an RFC 3339 time (0 for Go's zero time). */
export function unixSeconds(time: string): number {
  const ms = epochMs(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `2006-01-02T15:04:05.000000000Z`: UTC with exactly nine fraction digits, as `docker logs -t` prints. */
export function formatNanoUtc(time: string): string {
  const m = RFC3339.exec(time);
  if (!m) return time;
  const seconds = new Date(`${m[1]}${m[3]!.toUpperCase()}`).toISOString().slice(0, 19);
  return `${seconds}.${(m[2] ?? '').slice(0, 9).padEnd(9, '0')}Z`;
}

/**
 * Docker's `since`/`until` query values: unix seconds with an optional
 * fraction ("1700000000.000000000", as the CLI sends them) or an RFC 3339
 * time. Undefined when absent or empty.
 */
export function parseTimestampParam(raw: string | null, name: string): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw invalid(`invalid value for "${name}": ${raw}`);
  return ms / 1000;
}

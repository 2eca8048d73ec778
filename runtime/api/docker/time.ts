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

/** go-units' HumanDuration: "Less than a second", "5 seconds", "About a minute", "3 hours", "2 weeks"… */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.round(ms / 3_600_000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

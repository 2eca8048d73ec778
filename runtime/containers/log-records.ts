/**
 * conmon's k8s-file records: `<RFC 3339 nano time> <stdout|stderr> <F|P> <text>\n`,
 * where `P` marks a partial record (no newline at its end in the original stream).
 */
import type { LogLine, LogOptions } from './types.js';

/** How every record conmon writes starts: `2026-01-02T`. A line that does not is a fragment (of a damaged or foreign file). */
const TIME_START = /^\d{4}-\d\d-\d\dT$/;

/** Parse one k8s-file record (without its newline); null for a malformed line. */
export function parseRecord(line: string): LogLine | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0 || !TIME_START.test(line.slice(0, 11))) return null;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return { time: normalizeTime(line.slice(0, a)), stream, data: Buffer.from(tag === 'P' ? text : `${text}\n`) };
}

/** conmon writes `…+00:00`; Docker clients expect `…Z`. */
function normalizeTime(t: string): string {
  return t.replace(/\+00:00$/, 'Z');
}

/** Seconds since the epoch, with the fraction, of an RFC 3339 nano time. */
export function timeSeconds(t: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return Date.parse(t) / 1000;
  return Date.parse(`${m[1]}${m[3]}`) / 1000 + Number(`0${m[2] ?? ''}`);
}

/** Whether a record passes the stream and time filters of `o`. */
export function isWanted(l: LogLine, o: LogOptions): boolean {
  if (l.stream === 'stdout' && o.stdout === false) return false;
  if (l.stream === 'stderr' && o.stderr === false) return false;
  if (o.since === undefined && o.until === undefined) return true;
  const t = timeSeconds(l.time);
  if (o.since !== undefined && o.since > 0 && t < o.since) return false;
  if (o.until !== undefined && o.until > 0 && t > o.until) return false;
  return true;
}

/** Whether a record ends a line (a `P` record does not). */
export function endsLine(l: LogLine): boolean {
  return l.data[l.data.length - 1] === 0x0a;
}

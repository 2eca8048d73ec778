/**
 * "Since when" as people write it for the audit log (`tspaas audit --since`,
 * `GET /v1/audit?since=`): a duration back from now — whole numbers with
 * s, m, h, d or w, alone or combined (`30m`, `2h`, `7d`, `1h30m`) — or an
 * ISO 8601 time (`2026-12-01`, `2026-12-01T10:00:00Z`, with an offset; a
 * time without one is UTC). Shared by the CLI and the platform so both take
 * and refuse the same text.
 */
import { invalid } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The time `text` names; Invalid (naming `what`, e.g. `--since`) when it is neither a duration nor an ISO time. */
export function parseSince(text: string, what: string, now: number = Date.now()): Date {
  const v = text.trim();
  const ms = durationMs(v);
  if (ms !== undefined) return new Date(now - ms);
  if (ISO.test(v)) {
    const t = Date.parse(/T/i.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? `${v}Z` : v);
    if (Number.isFinite(t)) return new Date(t);
  }
  throw invalid(`invalid ${what} "${text}": use a duration like 30m, 2h or 7d, or an ISO time like 2026-12-01T10:00:00Z`);
}

/** `1h30m` → 5 400 000; undefined when `v` is not such a duration. */
function durationMs(v: string): number | undefined {
  const re = /(\d{1,6})([smhdw])/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = re.lastIndex;
  }
  return end > 0 && end === v.length ? total : undefined;
}

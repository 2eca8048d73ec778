/**
 * Go's duration text (`time.ParseDuration`, `Duration.String`), as Docker
 * words `--health-interval`, `HEALTHCHECK --timeout` and `--since 10m`:
 * numbers, fractions allowed, each with a unit (ns, us, µs, ms, s, m, h),
 * alone or combined (`1m30s`), or `0`. Shared by the CLI and the engine so
 * both take and refuse the same text.
 */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1m30s` → 90 000 (milliseconds, fractional below 1 ms); undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = re.lastIndex;
  }
  return end > 0 && end === text.length ? total : undefined;
}

/** Go's `Duration.String` for whole milliseconds and up, as dockerd words a timeout ("1s", "1.5s", "500ms", "1m30s"). */
export function formatGoDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

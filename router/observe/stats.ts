/**
 * Per-app request counts and latency histograms of one worker. Counting is a
 * few array increments per request; the admin endpoint sums workers' reports.
 */
import { LATENCY_BUCKETS_MS, type AppStats } from '../types.js';

interface Counters {
  requests: number;
  /** Index = status / 100 (1xx … 5xx). */
  classes: number[];
  latency: number[];
}

/** The counters of one worker. */
export class Stats {
  private readonly apps = new Map<string, Counters>();

  /** Count one finished request of `app`. */
  record(app: string, status: number, ms: number): void {
    let c = this.apps.get(app);
    if (c === undefined) {
      c = { requests: 0, classes: [0, 0, 0, 0, 0, 0], latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) };
      this.apps.set(app, c);
    }
    c.requests++;
    c.classes[Math.min(5, Math.floor(status / 100))]++;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]) i++;
    c.latency[i]++;
  }

  /** Plain-data copy for the admin endpoint. */
  report(): Record<string, AppStats> {
    const out: Record<string, AppStats> = {};
    for (const [app, c] of this.apps) {
      const status: Record<string, number> = {};
      c.classes.forEach((n, i) => { if (n > 0) status[`${i}xx`] = n; });
      out[app] = { requests: c.requests, status, latency: [...c.latency] };
    }
    return out;
  }
}

/** Add `b` into `a` (admin endpoint: sum over workers). */
export function addStats(a: Record<string, AppStats>, b: Record<string, AppStats>): void {
  for (const [app, s] of Object.entries(b)) {
    const t = a[app] ??= { requests: 0, status: {}, latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) };
    t.requests += s.requests;
    for (const [k, n] of Object.entries(s.status)) t.status[k] = (t.status[k] ?? 0) + n;
    s.latency.forEach((n, i) => { t.latency[i] += n; });
  }
}

/**
 * Choosing a backend for a request: weighted round-robin over a precomputed
 * ring, or least-connections (in-flight per weight). Backends marked down by
 * passive health are skipped; when every backend is down the pool still
 * answers (the marks may be stale), so one restart cannot black out an app.
 */
import type { BalanceMode } from '../types.js';
import type { Backend } from './backends.js';

/** A backend and its share. */
export interface Member {
  backend: Backend;
  weight: number;
}

/** The backends of one route. */
export class Pool {
  readonly members: readonly Member[];
  /** Each backend `weight` times, interleaved (a, b, a, b, a…). */
  private readonly ring: Backend[];
  private cursor = 0;

  constructor(members: Member[], private readonly mode: BalanceMode) {
    this.members = members;
    this.ring = interleave(members);
    // Workers start at different places, so a fresh table does not hit one backend first everywhere.
    this.cursor = this.ring.length > 0 ? Math.floor(Math.random() * this.ring.length) : 0;
  }

  get size(): number {
    return this.members.length;
  }

  /** The next backend, skipping those in `tried`; null when nothing is left to try. */
  pick(tried: Backend[] | null): Backend | null {
    return this.mode === 'round-robin' ? this.pickRoundRobin(tried) : this.pickLeast(tried);
  }

  private pickRoundRobin(tried: Backend[] | null): Backend | null {
    const ring = this.ring;
    const n = ring.length;
    let fallback: Backend | null = null;
    for (let i = 0; i < n; i++) {
      const b = ring[this.cursor];
      this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
      if (tried !== null && tried.includes(b)) continue;
      if (b.downUntil === 0 || b.downUntil <= Date.now()) return b;
      fallback ??= b;
    }
    return fallback;
  }

  private pickLeast(tried: Backend[] | null): Backend | null {
    let best: Member | null = null;
    let fallback: Backend | null = null;
    const now = Date.now();
    for (const m of this.members) {
      if (tried !== null && tried.includes(m.backend)) continue;
      if (m.backend.downUntil > now) { fallback ??= m.backend; continue; }
      if (best === null || m.backend.inflight * best.weight < best.backend.inflight * m.weight) best = m;
    }
    return best?.backend ?? fallback;
  }
}

/** Smooth weighted order: each step takes the member with the most accumulated credit. */
function interleave(members: Member[]): Backend[] {
  const total = members.reduce((s, m) => s + m.weight, 0);
  const credit = members.map(() => 0);
  const ring: Backend[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < members.length; i++) {
      credit[i] += members[i].weight;
      if (credit[i] > credit[best]) best = i;
    }
    credit[best] -= total;
    ring.push(members[best].backend);
  }
  return ring;
}

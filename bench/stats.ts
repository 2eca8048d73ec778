/** Summary statistics and the table of the engine benchmark. */

export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  mean: number;
}

/** The q-quantile (0..1) of sorted samples, interpolated between neighbours. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, p90, min and mean of samples in milliseconds. */
export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1);
  return { n: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0] ?? NaN, mean };
}

/** Milliseconds with one decimal. */
export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : '-';
}

/** A plain-text table: the first `textColumns` columns left-aligned, the numbers right-aligned. */
export function table(head: string[], rows: string[][], textColumns = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * `node --import=tsx test/helpers/summary/times.ts <ava.times>`: where the
 * suite's time went, for scripts/test.sh. ava.times is ava's report with the
 * second each line arrived in front (`<epoch> <line>`). A test file's span
 * runs from when its first test started (its first finished test's arrival
 * minus that test's duration) to its last test's arrival; the files of the
 * longest spans are printed, longest first, as `<span>s <tests> <file>`.
 */
import { readFileSync } from 'node:fs';

interface Span { start: number; end: number; tests: number }

/** Seconds of an ava duration: "(1m 44.7s)", "(350ms)", "(3.1s)". */
export function durationSeconds(text: string): number {
  let s = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)(ms|m|s)\b/g)) s += unit === 'ms' ? Number(n) / 1000 : Number(n) * (unit === 'm' ? 60 : 1);
  return s;
}

/** The span of each test file in a timestamped report. */
export function fileSpans(timed: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  for (const line of timed.split('\n')) {
    // eslint-disable-next-line no-control-regex
    const m = /^(\d+) \s*[✔√✘×] (?:\[\w+\]: )?(.+?) › (.*?)(?: \(([\dms. ]+)\))?$/.exec(line.replace(/\u001b\[[0-9;]*m/g, ''));
    if (!m) continue;
    const [, at, title, rest, took] = m;
    const file = `${title} › ${rest}`.split(' › ').slice(0, -1).join('/');
    const end = Number(at);
    const start = end - (took ? durationSeconds(took) : 0);
    const s = spans.get(file);
    if (!s) spans.set(file, { start, end, tests: 1 });
    else Object.assign(s, { start: Math.min(s.start, start), end: Math.max(s.end, end), tests: s.tests + 1 });
  }
  return spans;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '15'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: summary/times.ts <ava.times> [count]\n');
    process.exit(2);
  }
  const spans = [...fileSpans(readFileSync(file, 'utf8'))].sort((a, b) => (b[1].end - b[1].start) - (a[1].end - a[1].start));
  for (const [name, s] of spans.slice(0, Number(top))) process.stdout.write(`${String(Math.round(s.end - s.start)).padStart(5)}s ${String(s.tests).padStart(3)} ${name}\n`);
}

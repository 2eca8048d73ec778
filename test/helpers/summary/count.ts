/**
 * Counting an ava run from its default reporter's report (its stdout; the
 * tests' own output goes to stderr), for the `N passed, N failed` line that
 * scripts/test.sh prints last.
 *
 * Only the part before the first `─` separator is read: the per-test lines
 * and the crash notices as they happen. After it come the failure details and
 * ava's summary, which repeat them. A test that never finished counts as
 * failed: per file, the larger of "N tests remaining" and "N tests were
 * pending" (a timeout) is added, and a crashed file (uncaught exception,
 * unhandled rejection, non-zero exit, no tests, failure to exit) adds one.
 */

export interface AvaCounts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

/** The report's lines without colours and indentation. */
function reportLines(report: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = report.replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/);
  const end = plain.findIndex((l) => /^\s*[─-]\s*$/.test(l));
  return plain.slice(0, end < 0 ? plain.length : end);
}

const TICK = '[✔√]';
const CROSS = '[✘×]';
/** Lines saying a test file crashed; group 1 (when present) names the file. */
const CRASHES = [
  new RegExp(`^${CROSS} (.+?) exited (?:with a non-zero exit code|due to)`),
  new RegExp(`^${CROSS} No tests found in (\\S+)`),
  new RegExp(`^${CROSS} Internal error(?: when running (\\S+))?`),
  new RegExp(`^${CROSS} Exiting due to process\\.exit\\(\\) when running (\\S+)`),
  new RegExp(`^${CROSS} Error in shared worker()`),
  new RegExp(`^${CROSS} Couldn.t find any (?:files|matching tests)()`),
  /^(?:Uncaught exception|Unhandled rejection) in (\S+)/,
  /^Failed to exit when running (\S+)/,
];

/** Count passed, failed, skipped and todo tests in an ava default-reporter report. */
export function countAvaReport(report: string): AvaCounts {
  const counts: AvaCounts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  const unfinished = new Map<string, number>();
  const crashed = new Set<string>();
  const noteUnfinished = (file: string, n: number) => unfinished.set(file, Math.max(n, unfinished.get(file) ?? 0));
  for (const raw of reportLines(report)) {
    // Per-test lines are indented by two spaces; a test's t.log lines by more.
    if (/^ {3,}/.test(raw)) continue;
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if (new RegExp(`^${TICK} `).test(line)) counts.passed++;
    else if (new RegExp(`^${CROSS} \\[(?:fail|unexpected pass)\\]:`).test(line)) counts.failed++;
    else if (line.startsWith('- [skip] ')) counts.skipped++;
    else if (line.startsWith('- [todo] ')) counts.todo++;
    else if ((m = new RegExp(`^${CROSS} (\\d+) tests? remaining in (\\S+)`).exec(line))) noteUnfinished(m[2], Number(m[1]));
    else if ((m = /^(\d+) tests? (?:were|was) pending in (\S+)/.exec(line))) noteUnfinished(m[2], Number(m[1]));
    else {
      const crash = CRASHES.map((re) => re.exec(line)).find(Boolean);
      if (crash) crashed.add(crash[1] || line);
    }
  }
  for (const n of unfinished.values()) counts.failed += n;
  counts.failed += crashed.size;
  return counts;
}

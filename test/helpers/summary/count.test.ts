/** The `N passed, N failed` count of scripts/test.sh, on real ava output. */
import test from 'ava';
import { countAvaReport } from './count.js';

// What ava 7's default reporter printed for a run with passing, failing,
// skipped, todo and known-failing tests, t.log output, a file without tests,
// an uncaught exception, a failing before hook and a timeout (colours on).
const REPORT = `
  \u001b[32m✔\u001b[39m c › ok in hang file
  - [skip] a › skipped
  - [todo] a › todo one
  ✔ a › passes
  ✘ [fail]: a › fails
  ✘ [fail]: a › throws undefined prop Error thrown in test
  ✔ [expected fail] a › known failing
  ✔ a › logs
    ℹ hello
      ✔ tricky
  ✘ No tests found in test/d.test.js
  ✔ b › before crash

  Uncaught exception in test/b.test.js

  Error: uncaught

  ✘ test/b.test.js exited with a non-zero exit code: 1
  ✘ [fail]: e › before hook Error thrown in test
  ✘ 1 test remaining in test/e.test.js

  ✘ Timed out while running tests

  2 tests were pending in test/b.test.js

  ◌ b › crash
  ◌ b › after crash

  1 tests were pending in test/c.test.js

  ◌ c › hangs

  1 tests were pending in test/e.test.js

  ◌ e › never runs

  ─

  a › fails

  ✔ not a test line: failure details come after the separator
  ✘ [fail]: neither

  ─

  1 hook failed
  2 tests failed
`;

test('counts per-test lines before the separator, unfinished tests once per file, crashes once per file', (t) => {
  // passed: c ok, a passes, a known failing, a logs, b before crash.
  // failed: a fails, a throws, e hook; b 2 pending + crash; c 1 pending; e max(1 remaining, 1 pending); d no tests.
  t.deepEqual(countAvaReport(REPORT), { passed: 5, failed: 9, skipped: 1, todo: 1 });
});

test('a clean run', (t) => {
  t.deepEqual(countAvaReport('\n  ✔ x › one\n  ✔ x › two (1.2s)\n  ─\n\n  2 tests passed\n'), { passed: 2, failed: 0, skipped: 0, todo: 0 });
});

test('fallback symbols of terminals without unicode', (t) => {
  t.deepEqual(countAvaReport('  √ x › one\n  × [fail]: x › two boom\n  × x.test.ts exited due to SIGKILL\n'), { passed: 1, failed: 2, skipped: 0, todo: 0 });
});

test('no files to test is a failure', (t) => {
  t.deepEqual(countAvaReport('\n  ✘ Couldn’t find any files to test\n'), { passed: 0, failed: 1, skipped: 0, todo: 0 });
});

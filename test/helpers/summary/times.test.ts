/** Where the suite's time went: file spans from a timestamped ava report (summary/times.ts). */
import test from 'ava';
import { durationSeconds, fileSpans } from './times.js';

test('ava durations in seconds', (t) => {
  t.is(durationSeconds('1m 44.7s'), 104.7);
  t.is(durationSeconds('350ms'), 0.35);
  t.is(durationSeconds('3.1s'), 3.1);
});

test('a file spans from its first test\'s start to its last test\'s end; failed and untimed tests count', (t) => {
  const spans = fileSpans([
    '1000   ✔ runtime › network › leaks › cycles (2m 0s)',
    '1010   ✔ buildpacks › build › fast one',
    '1090   ✘ [fail]: runtime › network › leaks › after (5s)',
    '1100   ✔ buildpacks › build › slow one (1m 30s)',
    '1101   ─',
  ].join('\n'));
  t.deepEqual(spans.get('runtime/network/leaks'), { start: 880, end: 1090, tests: 2 });
  t.deepEqual(spans.get('buildpacks/build'), { start: 1010, end: 1100, tests: 2 });
  t.is(spans.size, 2);
});

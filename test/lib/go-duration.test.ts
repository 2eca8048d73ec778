import test from 'ava';
import { formatGoDuration, parseGoDuration } from '../../lib/go-duration.js';

test('Go durations parse to milliseconds as time.ParseDuration reads them', (t) => {
  t.is(parseGoDuration('2h'), 7_200_000);
  t.is(parseGoDuration('1h30m'), 5_400_000);
  t.is(parseGoDuration('1m30s'), 90_000);
  t.is(parseGoDuration('1.5s'), 1500);
  t.is(parseGoDuration('500ms'), 500);
  t.is(parseGoDuration('250us'), 0.25);
  t.is(parseGoDuration('250µs'), 0.25);
  t.is(parseGoDuration('1000000ns'), 1);
  t.is(parseGoDuration('0'), 0);
});

test('refused: partial matches, a number without a unit, units Go lacks, signs (no negative durations here), blanks', (t) => {
  for (const text of ['', '2h junk', 'junk 2h', '10', '1d', '10x', '-1s', '+1s', ' 1s', '1 s', '1S']) {
    t.is(parseGoDuration(text), undefined, JSON.stringify(text));
  }
});

test("durations print as Go's Duration.String prints them (dockerd's health-check timeout message)", (t) => {
  t.is(formatGoDuration(1000), '1s');
  t.is(formatGoDuration(1500), '1.5s');
  t.is(formatGoDuration(500), '500ms');
  t.is(formatGoDuration(90_000), '1m30s');
  t.is(formatGoDuration(3_600_000), '1h0m0s');
});

test('what prints parses back to the same duration', (t) => {
  for (const ms of [1, 999, 1000, 1500, 59_999, 90_000, 3_600_000, 5_400_500]) t.is(parseGoDuration(formatGoDuration(ms)), ms);
});

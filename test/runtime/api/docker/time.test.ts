import test from 'ava';
import { formatNanoUtc, parseTimestampParam, unixSeconds } from '../../../../runtime/api/docker/time.js';

test('nanosecond UTC timestamps as docker logs -t prints them', (t) => {
  t.is(formatNanoUtc('2024-05-01T10:00:00.123456789Z'), '2024-05-01T10:00:00.123456789Z');
  t.is(formatNanoUtc('2024-05-01T12:00:00.5+02:00'), '2024-05-01T10:00:00.500000000Z');
  t.is(formatNanoUtc('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000000000Z');
});

test('since/until values: unix seconds with fraction, RFC 3339, or nothing', (t) => {
  t.is(parseTimestampParam('1700000000.500000000', 'since'), 1700000000.5);
  t.is(parseTimestampParam('2023-11-14T22:13:20Z', 'since'), 1700000000);
  t.is(parseTimestampParam('', 'since'), undefined);
  t.is(parseTimestampParam(null, 'since'), undefined);
  t.throws(() => parseTimestampParam('yesterday', 'since'));
  t.is(unixSeconds('0001-01-01T00:00:00Z'), 0);
  t.is(unixSeconds('2023-11-14T22:13:20.9Z'), 1700000000);
});

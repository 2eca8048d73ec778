/**
 * The access log's number printing (router/observe/access-log.ts): made from
 * integers on the hot path, so it must print what JSON.stringify would.
 */
import test from 'ava';
import { decimal3 } from '../../router/observe/access-log.js';

test('durations print as JavaScript prints a number rounded to the microsecond', (t) => {
  for (const [ms, text] of [[0, '0'], [12, '12'], [1.5, '1.5'], [0.125, '0.125'], [0.05, '0.05'], [0.001, '0.001'], [2.01, '2.01'],
    [2.001, '2.001'], [2.1, '2.1'], [1234.567, '1234.567'], [0.0004, '0'], [60_000.25, '60000.25']] as const) {
    t.is(decimal3(ms), text, String(ms));
  }
  // What the routers log: Math.round(elapsed * 1000) / 1000, for every microsecond up to 2 s.
  let differ = 0;
  for (let us = 0; us <= 2_000_000; us++) {
    const ms = Math.round(us) / 1000;
    if (decimal3(ms) !== String(ms)) differ++;
  }
  t.is(differ, 0);
});

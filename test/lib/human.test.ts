import test from 'ava';
import { humanDuration } from '../../lib/human.js';

test('human durations follow go-units (dockerd and the docker CLI)', (t) => {
  t.is(humanDuration(500), 'Less than a second');
  t.is(humanDuration(1000), '1 second');
  t.is(humanDuration(45_000), '45 seconds');
  t.is(humanDuration(61_000), 'About a minute');
  t.is(humanDuration(90_000), 'About a minute');
  t.is(humanDuration(10 * 60_000), '10 minutes');
  t.is(humanDuration(3_600_000), 'About an hour');
  t.is(humanDuration(5 * 3_600_000), '5 hours');
  t.is(humanDuration(3 * 86_400_000), '3 days');
  t.is(humanDuration(21 * 86_400_000), '3 weeks');
  t.is(humanDuration(90 * 86_400_000), '3 months');
  t.is(humanDuration(800 * 86_400_000), '2 years');
});

import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../../lib/parallel.js';

test('results in input order, never more than `limit` at once', async (t) => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([30, 10, 20, 5, 15], 2, async (ms, i) => {
    peak = Math.max(peak, ++running);
    await sleep(ms);
    running--;
    return `${i}:${ms}`;
  });
  t.deepEqual(out, ['0:30', '1:10', '2:20', '3:5', '4:15']);
  t.is(peak, 2);
  t.deepEqual(await mapLimit([], 3, async () => 1), []);
  t.deepEqual(await mapLimit([1, 2], 0, async (x) => x * 2), [2, 4], 'a limit under 1 still runs the items, one at a time');
});

test('stop (the default): no item starts after a failure; the first error, once those in flight settled', async (t) => {
  const started: number[] = [];
  let settled = 0;
  const err = await t.throwsAsync(mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
    started.push(x);
    if (x === 1) throw new Error('one failed');
    await sleep(20);
    settled++;
    if (x === 0) throw new Error('zero failed later');
  }));
  t.is(err?.message, 'one failed');
  t.deepEqual(started, [0, 1]);
  t.is(settled, 1, 'item 0 was in flight and finished before the rejection');
});

test('finish: every item runs despite failures, then the first error', async (t) => {
  const done: number[] = [];
  const err = await t.throwsAsync(mapLimit([0, 1, 2, 3], 2, async (x) => {
    if (x === 1) throw new Error('one failed');
    await sleep(5);
    done.push(x);
  }, { afterFailure: 'finish' }));
  t.is(err?.message, 'one failed');
  t.deepEqual(done.sort(), [0, 2, 3]);
});

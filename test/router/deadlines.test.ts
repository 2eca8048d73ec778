/**
 * The worker's deadline wheel (router/proxy/deadlines.ts), driven by hand:
 * `sweep(now)` with chosen clocks, so nothing here waits on a timer.
 */
import test from 'ava';
import { DeadlineWheel, TICK_MS, type Timed } from '../../router/proxy/deadlines.js';

interface Item extends Timed { name: string }
const item = (name: string): Item => ({ name, wheelSlot: null, wheelIndex: 0 });

function wheel(onDue: (x: Item, now: number) => void = () => {}): { w: DeadlineWheel<Item>; due: string[] } {
  const due: string[] = [];
  const w = new DeadlineWheel<Item>((x, now) => { due.push(x.name); onDue(x, now); });
  return { w, due };
}

test('a deadline is never early, and at most a tick late', (t) => {
  const { w, due } = wheel();
  w.arm(item('a'), 120, 0);
  w.sweep(119);
  t.deepEqual(due, []);
  w.sweep(120 + TICK_MS);
  t.deepEqual(due, ['a']);
  w.close();
});

test('re-arming moves a deadline; a disarmed one never comes', (t) => {
  const { w, due } = wheel();
  const a = item('a');
  const b = item('b');
  w.arm(a, 100, 0);
  w.arm(b, 100, 0);
  w.arm(a, 1_000, 0);
  w.disarm(b);
  w.disarm(b);
  w.sweep(500);
  t.deepEqual(due, []);
  w.sweep(1_000 + TICK_MS);
  t.deepEqual(due, ['a']);
  t.is(a.wheelSlot, null);
  w.close();
});

test('an expiry that disarms or re-arms others of its own slot: each is handled once, as it was left', (t) => {
  const items = ['a', 'b', 'c', 'd'].map(item);
  const { w, due } = wheel((x) => {
    // The first one due takes the others off the wheel: one disarmed, one moved later, one left alone.
    if (due.length !== 1) return;
    const others = items.filter((o) => o !== x);
    w.disarm(others[0]);
    w.arm(others[1], 1_000, 100);
  });
  for (const x of items) w.arm(x, 100, 0);
  w.sweep(100 + TICK_MS);
  t.is(due.length, 2, `due: ${due.join(',')}`);
  w.sweep(1_100 + TICK_MS);
  t.is(due.length, 3, `due: ${due.join(',')}`);
  t.true(items.every((x) => x.wheelSlot === null));
  w.close();
});

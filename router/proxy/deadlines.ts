/**
 * Deadlines of backend requests without a timer per request: one coarse
 * timer wheel per worker. An exchange waiting for its backend sits in the
 * slot of the tick its deadline falls in; one interval timer walks the slots
 * as ticks pass and hands every due exchange to the expiry callback. Arming
 * and disarming are an array push and a swap-remove, so the hot path never
 * touches node's timer lists (socket.setTimeout costs a Timeout object, a
 * list insert and listener churn per call, and a proxied request made three).
 *
 * Precision: a deadline fires between its time and one tick later, never
 * before. Exchanges are removed as soon as they move on, so the wheel holds
 * only what is in flight (nothing is kept alive for a timeout's length).
 */

/** What the wheel needs from an exchange: where it sits (set and read only by the wheel). */
export interface Timed {
  /** The slot it is in; null when not armed. */
  wheelSlot: Timed[] | null;
  /** Index in that slot. */
  wheelIndex: number;
}

/** Granularity of every router timeout (request, idle). */
export const TICK_MS = 50;

/** One worker's deadlines. */
export class DeadlineWheel<T extends Timed> {
  /** Slots by tick. Ticks count from the wheel's creation, so they stay small integers (cheap map keys, no boxed doubles). */
  private readonly slots = new Map<number, T[]>();
  /** Last tick whose slot was handed out. */
  private swept = 0;
  private readonly timer: NodeJS.Timeout;

  /** `onDue` gets every exchange whose deadline passed (already disarmed) and the wheel's clock; it may arm it again. */
  constructor(private readonly onDue: (x: T, now: number) => void) {
    this.timer = setInterval(() => this.sweep(performance.now()), TICK_MS);
    this.timer.unref();
  }

  /** Arm `x` to be due `ms` from `now` (the wheel's clock: performance.now()); re-arming moves it. */
  arm(x: T, ms: number, now = performance.now()): void {
    if (x.wheelSlot !== null) this.disarm(x);
    // The first tick that ends at or after the deadline: due never early.
    const tick = Math.max(Math.ceil((now + ms) / TICK_MS), this.swept + 1);
    let slot = this.slots.get(tick);
    if (slot === undefined) {
      slot = [];
      this.slots.set(tick, slot);
    }
    x.wheelSlot = slot;
    x.wheelIndex = slot.push(x) - 1;
  }

  /** `x` moved on: forget its deadline (no-op when not armed). */
  disarm(x: T): void {
    const slot = x.wheelSlot;
    if (slot === null) return;
    x.wheelSlot = null;
    const last = slot.pop()!;
    if (last !== x) {
      slot[x.wheelIndex] = last;
      last.wheelIndex = x.wheelIndex;
    }
  }

  /** Hand out every slot up to `now` (performance.now(); the interval timer calls this). */
  sweep(now: number): void {
    const until = Math.floor(now / TICK_MS);
    for (let tick = this.swept + 1; tick <= until; tick++) {
      this.swept = tick;
      const slot = this.slots.get(tick);
      if (slot === undefined) continue;
      this.slots.delete(tick);
      // Popped one by one: an expiry may disarm (swap-remove) another of this slot.
      while (slot.length > 0) {
        const x = slot.pop()!;
        x.wheelSlot = null;
        this.onDue(x, now);
      }
    }
  }

  /** Stop the timer (tests, shutdown). */
  close(): void {
    clearInterval(this.timer);
  }
}

/** Promise-chain mutexes: serialize async work inside this process. */

/** One lock: each `run` starts once every earlier one has settled. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `fn` after every earlier `run`; resolves with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** One lock per key (e.g. one container's lifecycle operations run one at a time). */
export class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();

  /** Run `fn` after every earlier `run` with the same key has settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return next;
  }
}

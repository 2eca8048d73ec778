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

/**
 * Many holders at once (`shared`) or one alone (`exclusive`): an exclusive
 * run waits for the shared ones in progress, and shared runs asked for
 * meanwhile wait for it (so a stream of shared work cannot starve it).
 */
export class SharedLock {
  private holders = 0;
  private writer: Promise<void> | null = null;
  private drained: Array<() => void> = [];

  /** Run `fn` alongside other shared runs, never during an exclusive one. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    this.holders++;
    try {
      return await fn();
    } finally {
      if (--this.holders === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }

  /** Run `fn` alone: after the shared runs in progress, before those asked for later. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    let release!: () => void;
    this.writer = new Promise((r) => { release = r; });
    try {
      while (this.holders > 0) await new Promise<void>((r) => this.drained.push(r));
      return await fn();
    } finally {
      this.writer = null;
      release();
    }
  }
}

/**
 * A bounded queue between producers (one per followed container) and one
 * consumer. A producer waits when the queue is full, so a slow reader slows
 * the followers down instead of growing memory.
 */
export class LineQueue<T> {
  private readonly items: T[] = [];
  private readonly roomWaiters: Array<() => void> = [];
  private itemWaiter: (() => void) | null = null;
  private readonly limit: number;
  private closed = false;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  /** Add an item; resolves when there is room for the next. */
  async push(item: T): Promise<void> {
    if (this.closed) return;
    this.items.push(item);
    this.itemWaiter?.();
    while (this.items.length > this.limit && !this.closed) await new Promise<void>((r) => this.roomWaiters.push(r));
  }

  /** The next item, or null once `signal` aborted. */
  async next(signal: AbortSignal): Promise<T | null> {
    while (this.items.length === 0) {
      if (signal.aborted) return null;
      await new Promise<void>((resolve) => {
        const wake = () => { signal.removeEventListener('abort', wake); this.itemWaiter = null; resolve(); };
        this.itemWaiter = wake;
        signal.addEventListener('abort', wake);
      });
    }
    if (signal.aborted) return null;
    const item = this.items.shift() as T;
    if (this.items.length <= this.limit) for (const r of this.roomWaiters.splice(0)) r();
    return item;
  }

  /** No more items: waiting producers go on (and drop what they push). */
  close(): void {
    this.closed = true;
    this.items.length = 0;
    for (const r of this.roomWaiters.splice(0)) r();
  }
}

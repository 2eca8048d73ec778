/** A promise-chain mutex: serializes the store's writes inside this process. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `fn` once every earlier `run` has settled; resolves with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Callers waiting for a container to exit or to be removed. */
type Resolve = (r: { exitCode: number; error?: string }) => void;

export class Waiters {
  private exits = new Map<string, Set<Resolve>>();
  private removals = new Map<string, Set<Resolve>>();

  /** Resolve on the container's next exit. */
  nextExit(id: string): Promise<{ exitCode: number; error?: string }> {
    return new Promise((resolve) => add(this.exits, id, resolve));
  }

  /** Resolve when the container is removed. */
  removal(id: string): Promise<{ exitCode: number; error?: string }> {
    return new Promise((resolve) => add(this.removals, id, resolve));
  }

  /** Report an exit to everyone waiting for one. */
  exited(id: string, exitCode: number, error?: string): void {
    fire(this.exits, id, { exitCode, error });
  }

  /** Report a removal (and, to exit waiters still there, the last exit). */
  removed(id: string, exitCode: number): void {
    fire(this.exits, id, { exitCode });
    fire(this.removals, id, { exitCode });
  }
}

function add(m: Map<string, Set<Resolve>>, id: string, r: Resolve): void {
  let s = m.get(id);
  if (!s) m.set(id, (s = new Set()));
  s.add(r);
}

function fire(m: Map<string, Set<Resolve>>, id: string, r: { exitCode: number; error?: string }): void {
  const s = m.get(id);
  m.delete(id);
  for (const f of s ?? []) f(r);
}

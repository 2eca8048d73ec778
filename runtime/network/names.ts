/**
 * Who is called what on each network, for the DNS responders: a container's
 * name, its short ID and its aliases on a user network map to its address
 * there. A container's `--link target:alias` on a user network makes
 * `alias` answer, to that container only, the address `target` has at the
 * time of the question (so the target may start later, as in Docker).
 * Rebuilt for a network whenever one of its endpoints comes or goes.
 */
import type { SandboxRecord } from './sandbox.js';
import { stateOf } from './sandbox.js';

export class NameTable {
  /** networkId → name → addresses. */
  private names = new Map<string, Map<string, string[]>>();
  /** networkId → address → name. */
  private reverse = new Map<string, Map<string, string>>();
  /** networkId → address of the asking container → alias → linked container. */
  private links = new Map<string, Map<string, Map<string, string>>>();

  /** Recompute the tables of `networkIds` from the live sandboxes. */
  rebuild(networkIds: Iterable<string>, sandboxes: Iterable<SandboxRecord>): void {
    const ids = new Set(networkIds);
    for (const id of ids) { this.names.set(id, new Map()); this.reverse.set(id, new Map()); this.links.set(id, new Map()); }
    for (const rec of sandboxes) {
      const attached = rec.attachments.filter((a) => a.result);
      for (const [i, e] of stateOf(rec).endpoints.entries()) {
        if (!ids.has(e.networkId) || !e.ipAddress) continue;
        const links = attached[i]?.links ?? [];
        if (links.length > 0) this.links.get(e.networkId)!.set(e.ipAddress, new Map(links.map((l) => [l.alias.toLowerCase(), l.container.toLowerCase()])));
        const table = this.names.get(e.networkId)!;
        for (const n of [rec.name, rec.containerId.slice(0, 12), ...e.aliases]) {
          const key = n.toLowerCase();
          table.set(key, [...(table.get(key) ?? []), e.ipAddress]);
        }
        this.reverse.get(e.networkId)!.set(e.ipAddress, rec.name);
      }
    }
  }

  /** Addresses of `name` on a network (as asked by the container at `from`: its link aliases first); undefined when the name is not one of ours. */
  lookup(networkId: string, name: string, from?: string): string[] | undefined {
    const linked = from ? this.links.get(networkId)?.get(from)?.get(name) : undefined;
    return (linked !== undefined ? this.names.get(networkId)?.get(linked) : undefined) ?? this.names.get(networkId)?.get(name);
  }

  /** The container name that has `ip` on a network. */
  nameOf(networkId: string, ip: string): string | undefined {
    return this.reverse.get(networkId)?.get(ip);
  }

  drop(networkId: string): void {
    this.names.delete(networkId);
    this.links.delete(networkId);
    this.reverse.delete(networkId);
  }
}

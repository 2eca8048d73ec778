/**
 * Who is called what on each network, for the DNS responders: a container's
 * name, its short ID and its aliases on a user network map to its address
 * there. Rebuilt for a network whenever one of its endpoints comes or goes.
 */
import type { SandboxRecord } from './sandbox.js';
import { stateOf } from './sandbox.js';

export class NameTable {
  /** networkId → name → addresses. */
  private names = new Map<string, Map<string, string[]>>();
  /** networkId → address → name. */
  private reverse = new Map<string, Map<string, string>>();

  /** Recompute the tables of `networkIds` from the live sandboxes. */
  rebuild(networkIds: Iterable<string>, sandboxes: Iterable<SandboxRecord>): void {
    const ids = new Set(networkIds);
    for (const id of ids) { this.names.set(id, new Map()); this.reverse.set(id, new Map()); }
    for (const rec of sandboxes) {
      for (const e of stateOf(rec).endpoints) {
        if (!ids.has(e.networkId) || !e.ipAddress) continue;
        const table = this.names.get(e.networkId)!;
        for (const n of [rec.name, rec.containerId.slice(0, 12), ...e.aliases]) {
          const key = n.toLowerCase();
          table.set(key, [...(table.get(key) ?? []), e.ipAddress]);
        }
        this.reverse.get(e.networkId)!.set(e.ipAddress, rec.name);
      }
    }
  }

  /** Addresses of `name` on a network; undefined when the name is not one of ours. */
  lookup(networkId: string, name: string): string[] | undefined {
    return this.names.get(networkId)?.get(name);
  }

  /** The container name that has `ip` on a network. */
  nameOf(networkId: string, ip: string): string | undefined {
    return this.reverse.get(networkId)?.get(ip);
  }

  drop(networkId: string): void {
    this.names.delete(networkId);
    this.reverse.delete(networkId);
  }
}

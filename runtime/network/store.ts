/**
 * Networks on disk: `<root>/networks/<id>.json`, one `Network` each, written
 * atomically. Lookups by ID, unique ID prefix or name, as Docker does.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../../lib/fs.js';
import { conflict, notFound } from '../../lib/errors.js';
import type { Network } from './types.js';

export class NetworkStore {
  private byId = new Map<string, Network>();

  constructor(private readonly dir: string) {}

  /** Read every network from disk. */
  async load(): Promise<Network[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const f of (await fsp.readdir(this.dir)).filter((x) => /^[0-9a-f]{64}\.json$/.test(x))) {
      const n = await readJsonIfExists<Network>(path.join(this.dir, f));
      if (n) this.byId.set(n.id, n);
    }
    return this.list();
  }

  list(): Network[] {
    return [...this.byId.values()].sort((a, b) => a.created.localeCompare(b.created));
  }

  /** By full ID, name, or unique ID prefix. */
  resolve(ref: string): Network {
    const exact = this.byId.get(ref) ?? this.list().find((n) => n.name === ref);
    if (exact) return exact;
    const matches = ref.length > 0 ? this.list().filter((n) => n.id.startsWith(ref)) : [];
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw conflict(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  find(name: string): Network | undefined {
    return this.list().find((n) => n.name === name);
  }

  async save(n: Network): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, `${n.id}.json`), n);
    this.byId.set(n.id, n);
  }

  async delete(id: string): Promise<void> {
    await fsp.rm(path.join(this.dir, `${id}.json`), { force: true });
    this.byId.delete(id);
  }
}

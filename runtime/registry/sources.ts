/**
 * Where blobs are known to be: digest → the registry repositories
 * (`host/repo`) the engine pulled them from or pushed them to. A push asks it
 * for a repository of the same registry to mount a missing blob from.
 * Kept in one small JSON file; a lost or stale entry costs only an upload.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../../lib/fs.js';
import { Mutex } from '../../lib/mutex.js';

const MAX_PER_BLOB = 8;
const mutexes = new Map<string, Mutex>();

type Table = Record<string, string[]>;

export class BlobSources {
  private readonly file: string;
  private readonly mutex: Mutex;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'blob-sources.json');
    if (!mutexes.has(this.file)) mutexes.set(this.file, new Mutex());
    this.mutex = mutexes.get(this.file)!;
  }

  /** Repositories other than `except` on `registry` that hold `digest`. */
  async find(digest: string, registry: string, except: string): Promise<string[]> {
    const table = (await readJsonIfExists<Table>(this.file)) ?? {};
    return (table[digest] ?? []).filter((r) => r.startsWith(`${registry}/`) && r !== `${registry}/${except}`)
      .map((r) => r.slice(registry.length + 1));
  }

  /** Remember that `registry/repository` holds `digests`. */
  async record(registry: string, repository: string, digests: string[]): Promise<void> {
    const where = `${registry}/${repository}`;
    await this.mutex.run(async () => {
      const table = (await readJsonIfExists<Table>(this.file)) ?? {};
      for (const d of digests) table[d] = [where, ...(table[d] ?? []).filter((r) => r !== where)].slice(0, MAX_PER_BLOB);
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      await writeJsonAtomic(this.file, table);
    });
  }
}

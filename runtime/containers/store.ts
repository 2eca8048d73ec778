/**
 * Container records on disk (`<root>/containers/<id>/{container,state}.json`)
 * with an in-memory index by ID and name, rebuilt from disk at start-up.
 * Both files are replaced atomically, so a crash at any moment leaves either
 * the old or the new content.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../../lib/fs.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import type { Container, ContainerRecord, ContainerState } from './types.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** State of a container that was created and never started. */
export function initialState(): ContainerState {
  return {
    status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '',
    startedAt: ZERO_TIME, finishedAt: ZERO_TIME, restartCount: 0, stoppedByUser: false,
  };
}

export class ContainerStore {
  private byId = new Map<string, Container>();
  private byName = new Map<string, string>();

  constructor(readonly dir: string) {}

  /** Directory of one container's persistent files. */
  pathOf(id: string): string {
    return path.join(this.dir, id);
  }

  /** Read every container from disk; records without a readable container.json are skipped. */
  async load(): Promise<Container[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const id of await fsp.readdir(this.dir)) {
      const record = await readJsonIfExists<ContainerRecord>(path.join(this.dir, id, 'container.json'));
      if (!record) continue;
      const state = (await readJsonIfExists<ContainerState>(path.join(this.dir, id, 'state.json'))) ?? initialState();
      this.index({ record, state });
    }
    return this.list();
  }

  /** Every known container. */
  list(): Container[] {
    return [...this.byId.values()];
  }

  /** Find by full ID, unique ID prefix or name (with or without a leading "/"). */
  resolve(ref: string): Container {
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const byId = this.byId.get(ref) ?? this.byId.get(this.byName.get(name) ?? '');
    if (byId) return byId;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = [...this.byId.keys()].filter((id) => id.startsWith(ref));
      if (hits.length === 1) return this.byId.get(hits[0])!;
      if (hits.length > 1) throw conflict(`multiple containers match ID prefix ${ref}`);
    }
    throw notFound(`No such container: ${ref}`);
  }

  /** True when a name is free. */
  nameFree(name: string): boolean {
    return !this.byName.has(name);
  }

  /**
   * Hold `name` for container `id` until it is added (or the name released):
   * creates in flight at once never pick the same name. `Conflict` when taken.
   */
  reserveName(name: string, id: string): void {
    this.checkName(name, id);
    this.byName.set(name, id);
  }

  /** Give up a reservation of `reserveName` (the create failed). */
  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id && !this.byId.has(id)) this.byName.delete(name);
  }

  /** Persist a new container; `Conflict` when its name is taken. */
  async add(c: Container): Promise<void> {
    this.checkName(c.record.name, c.record.id);
    await fsp.mkdir(this.pathOf(c.record.id), { recursive: true });
    // Only the record is fsynced: the state is rebuilt by recovery (see saveState).
    await writeJsonAtomic(path.join(this.pathOf(c.record.id), 'state.json'), c.state, { durable: false });
    await writeJsonAtomic(path.join(this.pathOf(c.record.id), 'container.json'), c.record);
    this.index(c);
  }

  /**
   * Replace a container's state on disk and in memory. Atomic (rename), not
   * fsynced: a SIGKILL of the engine cannot tear it, and after a power loss
   * recovery rebuilds the state from conmon's exit files and the runtime.
   */
  async saveState(id: string, state: ContainerState): Promise<void> {
    const c = this.byId.get(id);
    if (!c) throw notFound(`No such container: ${id}`);
    await writeJsonAtomic(path.join(this.pathOf(id), 'state.json'), state, { durable: false });
    c.state = state;
  }

  /** Give a container a new name. */
  async rename(id: string, newName: string): Promise<void> {
    const c = this.resolve(id);
    this.checkName(newName, id);
    const record = { ...c.record, name: newName };
    await writeJsonAtomic(path.join(this.pathOf(id), 'container.json'), record);
    this.byName.delete(c.record.name);
    c.record = record;
    this.byName.set(newName, id);
  }

  /** Replace a container's options (network connect/disconnect change its networks). */
  async saveOptions(id: string, options: ContainerRecord['options']): Promise<void> {
    const c = this.resolve(id);
    const record = { ...c.record, options };
    await writeJsonAtomic(path.join(this.pathOf(id), 'container.json'), record);
    c.record = record;
  }

  /** Forget a container and delete its directory. */
  async delete(id: string): Promise<void> {
    const c = this.byId.get(id);
    if (!c) return;
    // Remove container.json first: a crash mid-way leaves a dir that load() skips.
    await fsp.rm(path.join(this.pathOf(id), 'container.json'), { force: true });
    await fsp.rm(this.pathOf(id), { recursive: true, force: true });
    this.byId.delete(id);
    this.byName.delete(c.record.name);
  }

  private index(c: Container): void {
    this.byId.set(c.record.id, c);
    this.byName.set(c.record.name, c.record.id);
  }

  private checkName(name: string, id: string): void {
    if (!NAME_RE.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const owner = this.byName.get(name);
    if (owner && owner !== id) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }
}

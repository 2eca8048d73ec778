/**
 * Named volumes (Docker's `local` driver): a directory
 * `<root>/volumes/<name>/_data` plus `meta.json`. A volume in use by a
 * container (as the caller reports) cannot be removed without `force`.
 * `<root>/volumes/<name>` is a quota dir (runtime/quota) when the volume is
 * created with Podman's `--opt o=size=…` (options.ts).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readJsonIfExists, writeJsonAtomic } from '../../lib/fs.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import type { VolumeInfo, VolumePruneFilter } from '../types.js';
import type { DirQuota } from '../quota/types.js';
import { volumeSize } from './options.js';
import { matchesLabels } from '../../lib/labels.js';

/** Anonymous volumes (made for one container, a `-v /path` or an image VOLUME) have 64-hex names, as dockerd's. */
export function isAnonymousVolume(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  constructor(private readonly dir: string, private readonly inUse: (name: string) => boolean, private readonly quota: DirQuota) {}

  /** All volumes. */
  async list(): Promise<VolumeInfo[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    const out: VolumeInfo[] = [];
    for (const name of await fsp.readdir(this.dir)) {
      const v = await readJsonIfExists<VolumeInfo>(path.join(this.dir, name, 'meta.json'));
      if (v) out.push(v);
    }
    return out;
  }

  /** One volume; `NotFound` when absent. */
  async get(name: string): Promise<VolumeInfo> {
    const v = NAME_RE.test(name) ? await readJsonIfExists<VolumeInfo>(path.join(this.dir, name, 'meta.json')) : undefined;
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  /** Creates under way, by name: concurrent creates of one name share one. */
  private readonly creating = new Map<string, Promise<VolumeInfo>>();

  /**
   * Create a volume (a random name when none is given); returns the existing
   * one when the name is taken. `options`: the driver's (`o=size=10G`).
   */
  async create(name?: string, labels: Record<string, string> = {}, options: Record<string, string> = {}): Promise<VolumeInfo> {
    const n = name ?? randomBytes(32).toString('hex');
    if (!NAME_RE.test(n)) throw invalid(`"${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    const bytes = volumeSize(options, this.quota);
    const running = this.creating.get(n);
    if (running) return running;
    const job = this.createOnce(n, labels, options, bytes).finally(() => this.creating.delete(n));
    this.creating.set(n, job);
    return job;
  }

  private async createOnce(n: string, labels: Record<string, string>, options: Record<string, string>, bytes: number | undefined): Promise<VolumeInfo> {
    const existing = await readJsonIfExists<VolumeInfo>(path.join(this.dir, n, 'meta.json'));
    if (existing) return existing;
    const v: VolumeInfo = { name: n, driver: 'local', mountpoint: path.join(this.dir, n, '_data'), createdAt: new Date().toISOString(), labels, options };
    await fsp.mkdir(this.dir, { recursive: true });
    // A dir without meta.json is what a create cut short left: it goes first.
    await this.quota.remove(path.join(this.dir, n));
    await this.quota.create(path.join(this.dir, n), bytes ?? null);
    await fsp.mkdir(v.mountpoint, { mode: 0o755 });
    await writeJsonAtomic(path.join(this.dir, n, 'meta.json'), v);
    return v;
  }

  /** Delete a volume and its data. */
  async remove(name: string, force = false): Promise<void> {
    await this.get(name);
    if (this.inUse(name) && !force) throw conflict(`remove ${name}: volume is in use`);
    await fsp.rm(path.join(this.dir, name, 'meta.json'), { force: true });
    await this.quota.remove(path.join(this.dir, name));
  }

  /**
   * Remove the volumes no container uses: anonymous ones only, unless
   * `all` (a named volume holds data someone named: Docker ≥ API 1.42 keeps
   * them too), and only those the label filters match.
   */
  async prune(f: VolumePruneFilter = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const v of await this.list()) {
      if (this.inUse(v.name) || (!f.all && !isAnonymousVolume(v.name))) continue;
      if (!matchesLabels(v.labels ?? {}, f)) continue;
      await this.remove(v.name);
      deleted.push(v.name);
    }
    return { deleted, spaceReclaimed: 0 };
  }
}

/**
 * The engine: composes the image store, snapshotter, container operations
 * and volumes into the `Engine` contract (types.ts). It holds no logic of
 * its own beyond wiring, locking and the exit watcher; each operation lives
 * in the subsystem folder its name suggests.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { KeyedMutex, SharedLock } from '../lib/mutex.js';
import { notFound } from '../lib/errors.js';
import type { Engine, EngineConfig, EngineInfo, Logger, OnProgress, Attachment, VolumeInfo, VolumePruneFilter, ImagePruneFilter, PathStat, NetworkInfo } from './types.js';
import type { CreateNetworkOptions, EndpointRequest, Network } from './network/types.js';
import { NetworkManager } from './network/manager.js';
import { connectContainer, disconnectContainer, removeLink } from './containers/network.js';
import type { Image, ContainerConfig, RemoveResult } from './images/types.js';
import type { Change } from './archive/types.js';
import { openImageStore } from './images/index.js';
import { openSnapshotter } from './snapshots/overlay.js';
import { openDirQuota } from './quota/detect.js';
import { collectSnapshots } from './snapshots/gc.js';
import { VolumeStore } from './volumes/store.js';
import { ContainerStore } from './containers/store.js';
import { Waiters } from './containers/waiters.js';
import { RootfsMounts } from './containers/rootfs.js';
import type { ContainerContext } from './containers/context.js';
import { emitContainerEvent, pathsOf } from './containers/context.js';
import { createContainer } from './containers/create.js';
import { startContainer } from './containers/start.js';
import { stopContainer, killContainer, pauseContainer, unpauseContainer } from './containers/stop.js';
import { removeContainer, destroy } from './containers/remove.js';
import { updateContainer } from './containers/update.js';
import { prunable } from './containers/prune.js';
import { matchesPruneFilter, type PruneFilter } from '../lib/labels.js';
import { usernsOf } from './containers/userns.js';
import { recordExit, watchExits } from './containers/exit.js';
import { recoverContainers } from './containers/recovery.js';
import { cancelRestart, restartByPolicy } from './containers/restart.js';
import { unwatchHealth } from './containers/health.js';
import { containerLogs, attachContainer, resizeContainer } from './containers/stdio.js';
import { LogRotation } from './containers/log-rotation.js';
import { topContainer, statsContainer } from './containers/inspect.js';
import { Execs, startExec, resizeExec } from './containers/exec.js';
import { removeUnusedParents } from './images/parents.js';
import { diffContainer, exportContainer, commitContainer, getArchive, statPath, putArchive } from './containers/filesystem.js';
import { filterContainers } from './containers/filters.js';
import { engineInfo, pickRuntimes } from './info.js';
import { readHostLimits } from './host.js';
import { detectCgroups } from './containers/cgroups.js';
import { buildBaseImage, isBaseImage } from './baseimages/index.js';
import { buildImage, BuildCache, DEFAULT_BUILD_LIMITS, pruneScope, type BuildEvent, type BuildOptions } from './build/index.js';
import type { CacheDirs } from './build/cache.js';
import { buildDiskDeps } from './build/disk.js';
import { checkRegistryAuth, pullImage, pushImage, type PullOptions, type PushOptions, type RegistryAuth, type RegistryConfig } from './registry/index.js';
import type { Container, ContainerUpdate, CreateOptions, ExecOptions, ExecState, ListFilters, LogLine, LogOptions, StatsSample, TopResult } from './containers/types.js';

/**
 * Open (or create) the engine's state under `config.root` and recover running
 * containers. `log` receives the failures the engine survives (types.ts, Logger).
 */
export async function createEngine(config: EngineConfig, log: Logger): Promise<Engine> {
  const e = new TspaasEngine(Object.freeze({ ...config }), log);
  await e.open();
  return e;
}

class TspaasEngine implements Engine {
  readonly events = new EventEmitter();
  images!: Engine['images'];
  private ctx!: ContainerContext;
  private network!: NetworkManager;
  private execs = new Execs();
  private watcher: { close(): void } | null = null;
  /** Container creations (shared) against the collection of unpacked layers (exclusive). */
  private readonly snapshotUse = new SharedLock();

  constructor(readonly config: Readonly<EngineConfig>, private readonly log: Logger) {
    this.events.setMaxListeners(0);
  }

  async open(): Promise<void> {
    const { root, runRoot } = this.config;
    await fsp.mkdir(runRoot, { recursive: true, mode: 0o700 });
    this.images = await openImageStore(path.join(root, 'images'));
    const quota = await openDirQuota(root, { enabled: this.config.storageQuota?.enabled ?? true });
    const snapshots = await openSnapshotter(path.join(root, 'snapshots'), quota);
    const store = new ContainerStore(path.join(root, 'containers'));
    const { runtimes, defaultRuntime } = await pickRuntimes(this.config);
    this.network = new NetworkManager(this.config.network, root, runRoot, this.log);
    await this.network.open();
    this.ctx = {
      config: this.config, store, images: this.images, snapshots, runtimes, defaultRuntime,
      volumes: new VolumeStore(path.join(root, 'volumes'), (name) => this.volumeInUse(name), quota),
      locks: new KeyedMutex(), waiters: new Waiters(), rootfs: new RootfsMounts(snapshots),
      attachments: new Map(), restartTimers: new Map(), healthChecks: new Map(), events: this.events, log: this.log,
      restart: (id, opts) => restartByPolicy(this.ctx, id, opts?.atBoot ?? false),
      host: { limits: await readHostLimits(), cgroups: await detectCgroups() },
      network: this.network,
      logRotation: new LogRotation((id, error) => {
        this.log.warn({ container: id, error }, 'log rotation failed; the log grows past its bound');
        this.events.emit('event', {
          type: 'container', action: 'log-rotation-failed', id, attributes: { error }, time: Math.floor(Date.now() / 1000), timeNano: Date.now() * 1e6,
        });
      }),
    };
    await store.load();
    this.watcher = await watchExits(runRoot, (id) => void this.onExit(id));
    await recoverContainers(this.ctx);
  }

  info(): Promise<EngineInfo> {
    return engineInfo(this.config, this.ctx, this.images);
  }

  async ensureImage(ref: string, onProgress?: OnProgress): Promise<Image> {
    try {
      return await this.images.get(ref);
    } catch (err) {
      if (!isBaseImage(ref)) throw err;
    }
    // buildBaseImage shares one build among concurrent requests for the same image.
    return buildBaseImage(ref, this.images, onProgress);
  }

  // ---- registries (runtime/registry) ----
  private get registry(): RegistryConfig {
    return { insecureRegistries: this.config.insecureRegistries ?? [], mirrors: this.config.registryMirrors ?? [], stateDir: path.join(this.config.root, 'registry') };
  }

  async pullImage(ref: string, opts: PullOptions = {}): Promise<Image> {
    const { image } = await pullImage(this.images, this.registry, ref, opts);
    this.events.emit('event', { type: 'image', action: 'pull', id: ref, attributes: { name: ref }, time: Math.floor(Date.now() / 1000), timeNano: Date.now() * 1e6 });
    return image;
  }

  async pushImage(ref: string, opts: PushOptions = {}): Promise<{ digest: string; size: number }> {
    const { digest, size } = await pushImage(this.images, this.registry, ref, opts);
    this.events.emit('event', { type: 'image', action: 'push', id: ref, attributes: { name: ref }, time: Math.floor(Date.now() / 1000), timeNano: Date.now() * 1e6 });
    return { digest, size };
  }

  checkRegistryAuth(serverAddress: string, auth: RegistryAuth): Promise<void> {
    return checkRegistryAuth(this.registry, serverAddress, auth);
  }

  // ---- build ----
  buildImage(context: import('node:stream').Readable, opts: BuildOptions, onEvent: (e: BuildEvent) => void): Promise<Image> {
    return buildImage({
      engine: this, log: this.log, dir: path.join(this.config.root, 'build'), limits: { ...DEFAULT_BUILD_LIMITS, ...this.config.build },
      layerOf: (id) => {
        const c = this.get(id);
        return this.images.putLayer(this.ctx.snapshots.diff(c.record.id, { owners: usernsOf(c.record.options) }));
      },
      withSandbox: (ref, fn) => this.network.withTransientSandbox(ref, fn),
      ...buildDiskDeps(this.ctx.snapshots.quota, this.config.storageQuota),
    }, context, opts, onEvent);
  }

  async pruneBuildCache(opts: { scope?: string } = {}): Promise<{ entries: number; imagesDeleted: string[] }> {
    const root = path.join(this.config.root, 'build', 'cache');
    if (opts.scope === undefined) return { entries: (await new BuildCache(root, this.images, this.cacheDirs).clear()).entries, imagesDeleted: [] };
    const pruned = await pruneScope(root, opts.scope, this.images, (id) => this.imageInUse(id), this.cacheDirs);
    if (pruned.imagesDeleted.length > 0) await this.collectSnapshots();
    return pruned;
  }

  /** Build cache scope dirs as quota dirs (part 5, runtime/build/disk.ts). */
  private get cacheDirs(): CacheDirs | undefined {
    return buildDiskDeps(this.ctx.snapshots.quota, this.config.storageQuota).cacheDirs;
  }

  // ---- containers ----
  async createContainer(opts: CreateOptions): Promise<Container> {
    const image = await this.images.get(opts.image).catch((err) => {
      throw notFound(`No such image: ${opts.image}`, err);
    });
    return this.snapshotUse.shared(async () => {
      const chain = await this.ctx.snapshots.unpack(image.layers.map((l) => l.diffId), (i) => this.images.openLayer(image.layers[i]));
      return createContainer(this.ctx, opts, image, chain);
    });
  }

  async startContainer(ref: string): Promise<void> {
    const c = this.get(ref);
    cancelRestart(this.ctx, c.record.id);
    await this.ctx.locks.run(c.record.id, () => startContainer(this.ctx, c));
  }

  stopContainer(ref: string, timeout?: number): Promise<void> {
    return stopContainer(this.ctx, this.get(ref), timeout);
  }

  killContainer(ref: string, signal?: string): Promise<void> {
    return killContainer(this.ctx, this.get(ref), signal);
  }

  async restartContainer(ref: string, timeout?: number): Promise<void> {
    const c = this.get(ref);
    await stopContainer(this.ctx, c, timeout).catch((err) => { if ((err as { kind?: string }).kind !== 'NotModified') throw err; });
    await this.ctx.locks.run(c.record.id, () => startContainer(this.ctx, c));
    emitContainerEvent(this.ctx, c, 'restart');
  }

  updateContainer(ref: string, update: ContainerUpdate): Promise<void> {
    return updateContainer(this.ctx, this.get(ref), update);
  }

  removeContainer(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return removeContainer(this.ctx, this.get(ref), opts);
  }

  async waitContainer(ref: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<{ exitCode: number; error?: string }> {
    const c = this.get(ref);
    if (condition === 'removed') return this.ctx.waiters.removal(c.record.id);
    const up = ['running', 'paused', 'restarting'].includes(c.state.status) || this.ctx.restartTimers.has(c.record.id);
    if (condition === 'not-running' && !up) return { exitCode: c.state.exitCode };
    return this.ctx.waiters.nextExit(c.record.id);
  }

  pauseContainer(ref: string): Promise<void> {
    const c = this.get(ref);
    return this.ctx.locks.run(c.record.id, () => pauseContainer(this.ctx, c));
  }

  unpauseContainer(ref: string): Promise<void> {
    const c = this.get(ref);
    return this.ctx.locks.run(c.record.id, () => unpauseContainer(this.ctx, c));
  }

  async renameContainer(ref: string, newName: string): Promise<void> {
    const c = this.get(ref);
    const old = c.record.name;
    await this.ctx.store.rename(c.record.id, newName.replace(/^\//, ''));
    this.network.renamed(c.record.id, c.record.name);
    emitContainerEvent(this.ctx, c, 'rename', { oldName: `/${old}` });
  }

  removeLink(ref: string, alias: string): Promise<void> {
    const c = this.get(ref);
    return this.ctx.locks.run(c.record.id, () => removeLink(this.ctx, c, alias));
  }

  async getContainer(ref: string): Promise<Container> {
    return this.withNetwork(this.get(ref));
  }

  async listContainers(filters: ListFilters = {}): Promise<Container[]> {
    const list = await filterContainers(this.ctx.store.list(), filters, (r) => this.images.get(r).then((i) => i.id, () => null));
    return list.map((c) => this.withNetwork(c));
  }

  attachContainer(ref: string, opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean; logs?: boolean; stream?: boolean; detachKeys?: string }): Promise<Attachment> {
    return attachContainer(this.ctx, this.get(ref), opts);
  }

  resizeContainer(ref: string, rows: number, cols: number): Promise<void> {
    return resizeContainer(this.ctx, this.get(ref), rows, cols);
  }

  containerLogs(ref: string, opts: LogOptions): AsyncIterable<LogLine> {
    return containerLogs(this.ctx, this.get(ref), opts);
  }

  topContainer(ref: string, psArgs?: string): Promise<TopResult> {
    return topContainer(this.ctx, this.get(ref), psArgs);
  }

  statsContainer(ref: string): Promise<StatsSample> {
    return statsContainer(this.ctx, this.get(ref));
  }

  diffContainer(ref: string): Promise<Change[]> {
    return diffContainer(this.ctx, this.get(ref));
  }

  exportContainer(ref: string) {
    return exportContainer(this.ctx, this.get(ref));
  }

  async commitContainer(ref: string, opts: { tag?: string; author?: string; message?: string; changes?: Partial<ContainerConfig>; pause?: boolean }): Promise<Image> {
    const c = this.get(ref);
    const image = await commitContainer(this.ctx, c, opts);
    emitContainerEvent(this.ctx, c, 'commit', { imageID: image.id });
    return image;
  }

  getArchive(ref: string, p: string) {
    return getArchive(this.ctx, this.get(ref), p);
  }

  statPath(ref: string, p: string): Promise<PathStat> {
    return statPath(this.ctx, this.get(ref), p);
  }

  putArchive(ref: string, p: string, tar: import('node:stream').Readable): Promise<void> {
    return putArchive(this.ctx, this.get(ref), p, tar);
  }

  // ---- exec ----
  async createExec(ref: string, opts: ExecOptions): Promise<string> {
    const c = this.get(ref);
    return this.execs.create(this.ctx, c, opts, pathsOf(this.ctx, c.record.id).execs);
  }

  async startExec(execId: string, opts: { detach?: boolean }): Promise<Attachment | null> {
    const s = this.execs.get(execId);
    return startExec(this.ctx, this.get(s.containerId), s, !!opts.detach);
  }

  resizeExec(execId: string, rows: number, cols: number): Promise<void> {
    return resizeExec(this.execs.get(execId), rows, cols);
  }

  async inspectExec(execId: string): Promise<ExecState> {
    const { dir: _dir, ...state } = this.execs.get(execId);
    return state;
  }

  // ---- volumes ----
  listVolumes(): Promise<VolumeInfo[]> {
    return this.ctx.volumes.list();
  }

  createVolume(name: string | undefined, labels?: Record<string, string>, options?: Record<string, string>): Promise<VolumeInfo> {
    return this.ctx.volumes.create(name, labels, options);
  }

  inspectVolume(name: string): Promise<VolumeInfo> {
    return this.ctx.volumes.get(name);
  }

  removeVolume(name: string, force?: boolean): Promise<void> {
    return this.ctx.volumes.remove(name, force);
  }

  pruneVolumes(filter?: VolumePruneFilter) {
    return this.ctx.volumes.prune(filter);
  }

  // ---- networks ----
  async listNetworks(): Promise<NetworkInfo[]> {
    return this.network.list().map((n) => ({ ...n, containers: this.network.endpointsOf(n.id) }));
  }

  async createNetwork(opts: CreateNetworkOptions): Promise<Network> {
    const n = await this.network.create(opts);
    this.emitNetworkEvent('create', n);
    return n;
  }

  async inspectNetwork(ref: string): Promise<NetworkInfo> {
    const n = this.network.resolve(ref);
    return { ...n, containers: this.network.endpointsOf(n.id) };
  }

  async removeNetwork(ref: string): Promise<void> {
    const n = this.network.resolve(ref);
    await this.network.remove(n.id);
    this.emitNetworkEvent('destroy', n);
  }

  async pruneNetworks(filter: PruneFilter = {}): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const n of this.network.list()) {
      if (n.isDefault || n.driver !== 'bridge' || this.network.endpointsOf(n.id).length > 0) continue;
      if (!matchesPruneFilter(n.created, n.labels, filter)) continue;
      await this.removeNetwork(n.id).then(() => deleted.push(n.name), (err: unknown) => {
        this.log.warn({ network: n.id, err }, 'network prune: removal failed; the network stays');
      });
    }
    return { deleted };
  }

  async connectNetwork(networkRef: string, containerRef: string, endpoint: EndpointRequest = {}): Promise<void> {
    const n = this.network.resolve(networkRef);
    const c = this.get(containerRef);
    await this.ctx.locks.run(c.record.id, () => connectContainer(this.ctx, c, n, endpoint));
    this.emitNetworkEvent('connect', n, { container: c.record.id });
  }

  async disconnectNetwork(networkRef: string, containerRef: string): Promise<void> {
    const n = this.network.resolve(networkRef);
    const c = this.get(containerRef);
    await this.ctx.locks.run(c.record.id, () => disconnectContainer(this.ctx, c, n));
    this.emitNetworkEvent('disconnect', n, { container: c.record.id });
  }

  // ---- images ----
  async removeImage(ref: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<RemoveResult> {
    const parent = (await this.images.get(ref)).config.parent;
    const result = await this.images.remove(ref, { force: opts.force, isInUse: (id) => this.imageInUse(id) });
    if (result.deleted.length > 0 && !opts.noPrune) result.deleted.push(...await removeUnusedParents(this.images, parent, (id) => this.imageInUse(id)));
    if (result.deleted.length > 0) await this.collectSnapshots();
    return result;
  }

  async pruneImages(filter: ImagePruneFilter = {}) {
    const result = await this.images.prune({
      all: filter.all, isInUse: (id) => this.imageInUse(id),
      matches: (image) => matchesPruneFilter(image.created, image.config.config?.Labels ?? {}, filter),
    });
    if (result.deleted.length > 0) await this.collectSnapshots();
    return result;
  }

  /** Remove the unpacked layers no stored image and no container needs (after images went); container creations wait meanwhile. */
  private collectSnapshots(): Promise<string[]> {
    return this.snapshotUse.exclusive(async () => collectSnapshots(this.ctx.snapshots, {
      imageLayers: (await this.images.list()).map((i) => i.layers.map((l) => l.diffId)),
      containerParents: this.ctx.store.list().map((c) => c.record.snapshotParent),
    }));
  }

  async pruneContainers(filter: PruneFilter = {}) {
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const c of this.ctx.store.list()) {
      if (!prunable(c, filter)) continue;
      const bytes = await this.ctx.snapshots.usage(c.record.id);
      await this.removeContainer(c.record.id).then(() => { deleted.push(c.record.id); spaceReclaimed += bytes; }, (err: unknown) => {
        this.log.warn({ container: c.record.id, err }, 'container prune: removal failed; the container stays');
      });
    }
    return { deleted, spaceReclaimed };
  }

  async close(): Promise<void> {
    this.watcher?.close();
    await this.ctx.logRotation.close();
    for (const id of [...this.ctx.restartTimers.keys()]) cancelRestart(this.ctx, id);
    for (const id of [...this.ctx.healthChecks.keys()]) unwatchHealth(this.ctx, id);
    await this.network.close();
  }

  async purgeNetworks(): Promise<void> {
    await this.network.purge();
  }

  // ---- internals ----
  private get(ref: string): Container {
    return this.ctx.store.resolve(ref);
  }

  /** A copy of the container with its live network state. */
  private withNetwork(c: Container): Container {
    return { ...c, network: this.network.sandbox(c.record.id) };
  }

  private emitNetworkEvent(action: string, n: Network, extra: Record<string, string> = {}): void {
    const now = Date.now();
    this.events.emit('event', { type: 'network', action, id: n.id, attributes: { name: n.name, type: n.driver, ...extra }, time: Math.floor(now / 1000), timeNano: now * 1e6 });
  }

  private imageInUse(imageId: string): boolean {
    return this.ctx.store.list().some((c) => c.record.imageId === imageId);
  }

  private volumeInUse(name: string): boolean {
    return this.ctx.store.list().some((c) => (c.record.options.mounts ?? []).some((m) => m.type === 'volume' && m.source === name));
  }

  /** conmon wrote an exit file: record it, then --rm. */
  private async onExit(id: string): Promise<void> {
    let c: Container;
    try {
      c = this.get(id);
    } catch {
      return; // removed meanwhile (its exit file went with it): nothing to record
    }
    const next = await this.ctx.locks.run(id, () => recordExit(this.ctx, c)).catch((err: unknown) => {
      this.log.error({ container: id, err }, 'exit not recorded; the container still shows as running');
      return null;
    });
    if (next === 'remove') {
      await this.ctx.locks.run(id, () => destroy(this.ctx, c, true)).catch((err: unknown) => {
        this.log.error({ container: id, err }, '--rm: the exited container could not be removed');
      });
    }
  }
}

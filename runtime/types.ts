/**
 * The engine's public contract: what the Engine API, the CLI (through the
 * API) and later the platform and buildpacks may call. Everything here is
 * plain data in, plain data (or Node streams) out; nothing knows about HTTP.
 *
 * Errors are `TspaasError`s (lib/errors.ts): `NotFound` for unknown
 * containers/images/volumes/execs, `Conflict` for names in use or a state
 * that forbids the operation (e.g. removing a running container without
 * `force`), `NotModified` for starting a running container or stopping a
 * stopped one, `Invalid` for malformed options.
 *
 * Containers, images and execs are addressed by *ref*: a full ID, a unique ID
 * prefix, or a name (containers) / reference (images).
 */
import type { Readable, Writable } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { Image, ImageStore, ContainerConfig } from './images/types.js';
import type { Change } from './archive/types.js';
import type { LabelFilter, PruneFilter } from '../lib/labels.js';
import type { BuildEvent, BuildLimits, BuildOptions } from './build/types.js';
import type { CreateNetworkOptions, Endpoint, EndpointRequest, Network, NetworkConfig } from './network/types.js';
import type {
  Container, ContainerUpdate, CreateOptions, ListFilters, TopResult, StatsSample, LogLine, LogOptions, ExecOptions, ExecState,
} from './containers/types.js';

/**
 * Where the engine reports the failures it survives but someone should know
 * of: an exit it could not record, a `--rm` or a restart-policy start that
 * failed, a container it could not recover at start, a leftover it could not
 * remove. Each line names what it is about (`container`, `image`, `network`,
 * `volume`: an ID) and its cause (`err`); `msg` says what did not happen.
 *
 * - `error`: state is now wrong or something the user asked for did not
 *   happen (a container left running, removed late, not restarted);
 * - `warn`: a leftover (a mount, a sandbox, a volume) stays until a sweep or
 *   the next engine start, or a feature runs degraded.
 *
 * A subset of pino's Logger (the project's logger), so a pino logger or
 * child fits as is, while the engine depends on no logging library.
 */
export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EngineConfig {
  /** Engine state root, e.g. /var/lib/tspaas/engine. */
  root: string;
  /** Volatile state (sockets, conmon pid/exit files), e.g. /run/tspaas/engine. */
  runRoot: string;
  /** OCI runtime: "crun", "runc", or "auto" (crun where it works on this host's cgroups, else runc). */
  runtime: 'crun' | 'runc' | 'auto';
  /** Parent cgroup path of every container, e.g. "/tspaas". */
  cgroupParent: string;
  /** Seccomp profile in the containers-common/Docker format ("" = built-in default path). */
  seccompProfile: string;
  /** Default network, address pool, bridge names, CNI plugin dirs (network/types.ts). */
  network: NetworkConfig;
  /** Limits of Dockerfile build containers (build/types.ts); unset fields: 2 GiB, 4096 pids, 1 h per step. */
  build?: Partial<BuildLimits>;
  /**
   * Registries spoken to in plain HTTP instead of HTTPS: `host`, `host:port`
   * or an IPv4 CIDR. localhost, 127.0.0.0/8 and ::1 always are. Absent = none more.
   */
  insecureRegistries?: string[];
  /**
   * Mirrors of Docker Hub (dockerd's `registry-mirrors`): `http(s)://host[:port]`
   * URLs, tried in order by pulls (and build FROMs) of Docker Hub names;
   * each serves docker.io/library/node as `library/node` (registry/mirrors.ts).
   * Absent or empty: such pulls fail saying how to configure one.
   */
  registryMirrors?: string[];
  // ---- part 5, storage quota (runtime/quota, docs/engine.md "Disk quotas") ----
  /**
   * Bounding disk: `enabled` (default true) uses the quotas the root's
   * filesystem offers (XFS prjquota, btrfs quota); false turns them off
   * (benchmarks). `defaultSize` (bytes, 0/absent = none, as Docker) bounds
   * every writable layer created without `--storage-opt size`; `buildCacheSize`
   * bounds each build cache scope dir (default 1 GiB; 0 = none);
   * `buildLayerSize` each Dockerfile build container's writable layer, i.e.
   * what one RUN/COPY step may write (default 10 GiB; 0 = none).
   */
  storageQuota?: { enabled?: boolean; defaultSize?: number; buildCacheSize?: number; buildLayerSize?: number };
  /** Host ids `--userns=auto` hands out (issue 13 part 2); default containers/userns.ts DEFAULT_USERNS_POOL. */
  usernsPool?: UsernsPool;
  /** Default `--log-opt`s of containers (log-config.ts; `max-size`, `max-file`); absent keys: 10m × 3. */
  logOpts?: Readonly<Record<string, string>>;
}

/** Host ids the engine hands out for `--userns=auto`: [start, end), in ranges of `size`. */
export interface UsernsPool {
  start: number;
  end: number;
  size: number;
}

/** What `info` reports. */
export interface EngineInfo {
  version: string;
  runtime: string;
  runtimes: string[];
  cgroupVersion: '1' | '2';
  cgroupDriver: 'cgroupfs';
  storageDriver: 'overlay';
  root: string;
  kernelVersion: string;
  operatingSystem: string;
  osType: 'linux';
  architecture: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  securityOptions: string[];
  /** Part 5: how disk is bounded (runtime/quota/types.ts); `none` with the reason when it is not. */
  storageQuota: { backend: 'xfs' | 'btrfs' | 'none'; reason: string };
  /** The registry mirrors of the engine config, in order. */
  registryMirrors: string[];
}

/** Progress of a long operation (base image creation, loads): one message per step. */
export interface Progress {
  id?: string;
  status: string;
  /** 0..total when known. */
  current?: number;
  total?: number;
}
export type OnProgress = (p: Progress) => void;

// ---- registries (behaviour: runtime/registry/types.ts, docs/registry.md) ----

// Credentials for one registry: defined apart so that build/types.ts can name them without a cycle.
import type { RegistryAuth } from './registry/credentials.js';
export type { RegistryAuth, LabelFilter, PruneFilter };

export interface PullOptions {
  auth?: RegistryAuth;
  onProgress?: OnProgress;
}

export interface PushOptions {
  auth?: RegistryAuth;
  onProgress?: OnProgress;
  /**
   * Upload blobs larger than this in chunks of this many bytes (PATCH with
   * Content-Range); 0 or absent: every blob in one PUT. Tests use it to
   * cover the chunked path.
   */
  chunkSize?: number;
}

/**
 * A live connection to a container's (or exec's) stdio.
 * With a tty there is one output stream (reported as `stdout`).
 */
export interface Attachment {
  /** Called for every chunk of output, in order. */
  onOutput(cb: (stream: 'stdout' | 'stderr', data: Buffer) => void): void;
  /** Called once when no more output will come (the process exited or the attachment was closed). */
  onEnd(cb: () => void): void;
  /** Stdin of the process; null when stdin was not asked for or is not open. Ending it closes the process's stdin. */
  stdin: Writable | null;
  /** Stop relaying; the process keeps running. */
  detach(): void;
}

/** What `volume prune` removes besides unused anonymous volumes (Docker's filters; API ≥ 1.42). */
export interface VolumePruneFilter extends LabelFilter {
  /** Named volumes too (`--all`, filter `all=true`). */
  all?: boolean;
}

/** What `image prune` removes: dangling images, or with `all` every unused one; only those the filter matches. */
export interface ImagePruneFilter extends PruneFilter {
  all?: boolean;
}

/** Engine events, as `docker events` shows them. */
export interface EngineEvent {
  type: 'container' | 'image' | 'volume' | 'network';
  action: string;                 // create, start, die, destroy, pull, tag, untag, delete…
  id: string;
  attributes: Record<string, string>;
  time: number;                   // unix seconds
  timeNano: number;
}

export interface VolumeInfo {
  name: string;
  driver: 'local';
  mountpoint: string;
  createdAt: string;
  labels: Record<string, string>;
  /** Driver options given at create (`o=size=10G`: a quota on the volume; part 5, storage quota). */
  options?: Record<string, string>;
}

export interface Engine {
  readonly config: Readonly<EngineConfig>;
  info(): Promise<EngineInfo>;

  // ---- images ----
  readonly images: ImageStore;
  /**
   * Make sure an image exists: returns it when present; builds a known base
   * image (`busybox:latest`, `debian:bookworm`) on first use, reporting
   * progress; `NotFound` for anything else.
   */
  ensureImage(ref: string, onProgress?: OnProgress): Promise<Image>;

  // ---- build (runtime/build/types.ts) ----
  /**
   * Build a Dockerfile: `context` is a tar (plain or gzip) of the build
   * context, or the Dockerfile itself. Events report each step as it runs;
   * resolves with the final image, tagged with `opts.tags` only on success.
   */
  buildImage(context: Readable, opts: BuildOptions, onEvent: (e: BuildEvent) => void): Promise<Image>;
  /**
   * Forget the build cache. Without a scope: every entry, scopes included
   * (intermediate images stay until an image prune). With `scope`: that
   * scope's entries and the intermediate images they named (those no tag
   * and no container holds) with their unpacked layers — what a destroyed
   * app's Dockerfile builds left. Returns the entries dropped and the images
   * removed. `Invalid` for a malformed scope.
   */
  pruneBuildCache(opts?: { scope?: string }): Promise<{ entries: number; imagesDeleted: string[] }>;
  /**
   * Pull `ref` (`host[:port]/repo[:tag|@digest]`) from its registry
   * (runtime/registry/types.ts): every blob digest-checked, layers through the
   * safe-extraction rules, committed all or nothing and tagged `ref` (not when
   * by digest). A name without a registry host (Docker Hub) comes from the
   * first registry mirror that has it; `Unavailable` when there are none,
   * `Forbidden` when the registry refuses the credentials, `Invalid` for a
   * digest mismatch. Progress per layer in Docker's words.
   */
  pullImage(ref: string, opts?: PullOptions): Promise<Image>;
  /**
   * Push the local image `ref` to the registry its name holds (`chunkSize`:
   * upload in chunks of that many bytes); returns the manifest's digest, which
   * is the image's `manifestDigest`, and size.
   */
  pushImage(ref: string, opts?: PushOptions): Promise<{ digest: string; size: number }>;
  /** Check credentials as `docker login` does; `Forbidden` when the registry refuses them. */
  checkRegistryAuth(serverAddress: string, auth: RegistryAuth): Promise<void>;

  // ---- containers ----
  createContainer(opts: CreateOptions): Promise<Container>;
  startContainer(ref: string): Promise<void>;
  /** SIGTERM (or the stop signal), then SIGKILL after `timeout` seconds. */
  stopContainer(ref: string, timeout?: number): Promise<void>;
  killContainer(ref: string, signal?: string): Promise<void>;
  restartContainer(ref: string, timeout?: number): Promise<void>;
  /**
   * Issue 16 (`docker update`): new limits and restart policy, stored and,
   * while it runs, applied to its cgroup (containers/update.ts). `Invalid`
   * for values Docker refuses; `Conflict` for clashes with its settings or a
   * limit the kernel refuses (nothing changes then).
   */
  updateContainer(ref: string, update: ContainerUpdate): Promise<void>;
  removeContainer(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /**
   * Wait for a condition: `not-running` (return at once if not running),
   * `next-exit` (the next exit after now), `removed`. Resolves with the exit code.
   */
  waitContainer(ref: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<{ exitCode: number; error?: string }>;
  pauseContainer(ref: string): Promise<void>;
  unpauseContainer(ref: string): Promise<void>;
  renameContainer(ref: string, newName: string): Promise<void>;
  /** Forget the container's legacy link `alias` (`docker rm --link name/alias`); `NotFound` without one. */
  removeLink(ref: string, alias: string): Promise<void>;
  getContainer(ref: string): Promise<Container>;
  listContainers(filters?: ListFilters): Promise<Container[]>;
  /**
   * Attach to stdio; works before start (for `docker run`) and while running. `logs: true` replays what was logged first;
   * `stream: false` ends after that. With a terminal, `detachKeys` (Docker's format, default ctrl-p,ctrl-q) typed on stdin
   * detach the client. `Invalid` for malformed detach keys.
   */
  attachContainer(ref: string, opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean; logs?: boolean; stream?: boolean; detachKeys?: string }): Promise<Attachment>;
  resizeContainer(ref: string, rows: number, cols: number): Promise<void>;
  /** Log lines; with `follow` the iterator ends when the container stops and its log is drained. */
  containerLogs(ref: string, opts: LogOptions): AsyncIterable<LogLine>;
  topContainer(ref: string, psArgs?: string): Promise<TopResult>;
  statsContainer(ref: string): Promise<StatsSample>;
  diffContainer(ref: string): Promise<Change[]>;
  /** Flat tar of the container's whole filesystem. */
  exportContainer(ref: string): Promise<Readable>;
  /** Upper dir → new layer on top of the image's; history entry with author/message/command. */
  commitContainer(ref: string, opts: { tag?: string; author?: string; message?: string; changes?: Partial<ContainerConfig>; pause?: boolean }): Promise<Image>;
  /** Tar of a path inside the container (`docker cp` out) and its stat. */
  getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  statPath(ref: string, path: string): Promise<PathStat>;
  /** Extract a tar into a directory inside the container (`docker cp` in); same safety rules as image layers. */
  putArchive(ref: string, path: string, tar: Readable): Promise<void>;

  // ---- exec ----
  /** `Invalid` for an unknown user or malformed detach keys (as Docker refuses them at create). */
  createExec(ref: string, opts: ExecOptions): Promise<string>;
  /**
   * Run the exec; the process has a terminal when the exec was created with `tty` (as in Docker). When the process
   * cannot start, the error (`Invalid` for a missing or non-executable command) is thrown and the exec's exit code is
   * Docker's: 127 for a command not found, 126 otherwise.
   */
  startExec(execId: string, opts: { detach?: boolean }): Promise<Attachment | null>;
  resizeExec(execId: string, rows: number, cols: number): Promise<void>;
  inspectExec(execId: string): Promise<ExecState>;

  // ---- volumes ----
  listVolumes(): Promise<VolumeInfo[]>;
  /** Create a named volume; `options` = driver options (`o=size=10G`, Podman's volume quota); `Invalid` for others. */
  createVolume(name: string | undefined, labels?: Record<string, string>, options?: Record<string, string>): Promise<VolumeInfo>;
  inspectVolume(name: string): Promise<VolumeInfo>;
  removeVolume(name: string, force?: boolean): Promise<void>;
  /** Unused anonymous volumes (named ones too with `all`), matching the label filters. */
  pruneVolumes(filter?: VolumePruneFilter): Promise<{ deleted: string[]; spaceReclaimed: number }>;

  // ---- networks ----
  listNetworks(): Promise<NetworkInfo[]>;
  /** `Conflict` for a name in use or a subnet that overlaps another network or a host route. */
  createNetwork(opts: CreateNetworkOptions): Promise<Network>;
  /** By ID, unique ID prefix or name. */
  inspectNetwork(ref: string): Promise<NetworkInfo>;
  /** `Forbidden` for bridge/host/none; `Conflict` while running containers are attached. */
  removeNetwork(ref: string): Promise<void>;
  /** Remove the user networks without containers that the filter matches (every such one without). */
  pruneNetworks(filter?: PruneFilter): Promise<{ deleted: string[] }>;
  /** Join a network: at once when running (a new interface), at next start otherwise. */
  connectNetwork(networkRef: string, containerRef: string, endpoint?: EndpointRequest): Promise<void>;
  /** Leave a network (the interface goes at once when running). */
  disconnectNetwork(networkRef: string, containerRef: string): Promise<void>;

  // ---- image operations that need containers ----
  /**
   * Remove an image unless a container uses it (or `force`); unpacked layers that no image or container needs any more go with it,
   * and so do its build parents that nothing else keeps (untagged, unused, no other child), unless `noPrune`.
   */
  removeImage(ref: string, opts?: { force?: boolean; noPrune?: boolean }): Promise<import('./images/types.js').RemoveResult>;
  /** Remove unused images the filter matches (dangling ones unless `all`); then the unpacked layers nothing needs. */
  pruneImages(filter?: ImagePruneFilter): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /** Remove the stopped containers the filter matches (every stopped one without); spaceReclaimed = their writable layers' bytes. */
  pruneContainers(filter?: PruneFilter): Promise<{ deleted: string[]; spaceReclaimed: number }>;

  /** Engine events: `on('event', (e: EngineEvent) => …)`. */
  readonly events: EventEmitter;

  /** Stop background work (restart timers, watchers, DNS responders); running containers keep running. */
  close(): Promise<void>;
  /** Take this engine's networks off the host (sandboxes, bridges, firewall rules): for uninstall and tests. */
  purgeNetworks(): Promise<void>;
}

/** A network with the live endpoints of the containers on it. */
export interface NetworkInfo extends Network {
  containers: Array<{ containerId: string; name: string; endpoint: Endpoint }>;
}

/** `docker cp`'s path stat (X-Docker-Container-Path-Stat). */
export interface PathStat {
  name: string;
  size: number;
  mode: number;          // Go os.FileMode bits as Docker sends them
  mtime: string;
  linkTarget: string;
}

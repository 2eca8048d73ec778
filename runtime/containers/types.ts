/**
 * Container contract.
 *
 * Lifecycle (Docker's words): `created` → `running` ⇄ `paused` → `exited`
 * (→ `running` again on start/restart) → removed; `removing` while rm runs.
 * While a restart policy waits its backoff the status stays `exited` (Docker
 * shows `restarting`); `restarting` and `dead` are reserved for that and for
 * failed cleanups and are not set yet.
 *
 * A container is a directory under `<engine root>/containers/<id>/`:
 * - `container.json` — the `ContainerRecord` (what was asked for; changes on
 *   rename only), fsynced at create,
 * - `state.json` — the `ContainerState` (what happened), replaced atomically,
 * - `ctr.log` — stdout/stderr in conmon's k8s-file format (timestamped lines,
 *   stream apart), kept until `rm`, with its rotated files `ctr.log.1`… and
 *   `ctr.log.keep` (log-files.ts),
 * - `hostname`, `hosts`, `resolv.conf` — bind-mounted into the container.
 * Its volatile part is `<run root>/c/<id>/`: `bundle/config.json` (the OCI
 * spec, generated at each start), `bundle/rootfs` (where the root is mounted
 * while it runs) and conmon's sockets and fifos. The root is an overlay of the
 * image's layers, the container's init layer (mount-point stubs) and its own
 * upper dir (paths.ts, snapshots/types.ts); the upper dir persists after exit
 * until `rm`.
 *
 * Each running container has one `conmon` monitor, which outlives the engine.
 * conmon writes the exit code into `<run>/exits/<id>` and an `oom` marker into
 * the container's run dir; on start-up the engine rebuilds every container's
 * state from these files and from the monitors still alive (see recovery).
 */
import type { ContainerConfig, HealthConfig } from '../images/types.js';
import type { EndpointRequest, Link, PortBinding, SandboxState } from '../network/types.js';
import type { IdMaps } from '../archive/owners.js';
import type { LogConfig } from './log-config.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** For on-failure: give up after this many restarts (0 = no limit). */
  maximumRetryCount: number;
}

export interface MountSpec {
  /** bind: a host path; volume: a named volume (created on demand); tmpfs: none. */
  type: 'bind' | 'volume' | 'tmpfs';
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  /** tmpfs only: e.g. ["size=64m", "mode=1777"]. */
  options?: string[];
  /** volume only (issue 16): labels of the volume when this mount creates it (`VolumeOptions.Labels`). */
  volumeLabels?: Record<string, string>;
  /** volume only: never copy the image's content at `target` into the empty volume (`nocopy`; volume-copy.ts). */
  noCopy?: boolean;
}

/** Everything `create` needs, already validated (the edges parse flags and JSON into this). */
export interface CreateOptions {
  /** Optional unique name; `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. Generated when absent. */
  name?: string;
  image: string;
  /** Overrides of the image's entrypoint/cmd: undefined = use the image's. */
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  labels?: Record<string, string>;
  tty?: boolean;
  openStdin?: boolean;
  /** Keep stdin open after the first attach closes it (Docker's StdinOnce=false). */
  stdinOnce?: boolean;
  mounts?: MountSpec[];
  readOnlyRootfs?: boolean;
  /** Bytes; 0 = no limit. */
  memory?: number;
  /** Nano-CPUs as Docker counts them (1e9 = one CPU); 0 = no limit. */
  nanoCpus?: number;
  /** 0 or negative = no limit. */
  pidsLimit?: number;
  // Part 4 of issue 13 (cpu weight): Docker's --cpu-shares.
  /** Relative CPU weight (cgroup v1 cpu.shares; converted to cpu.weight on v2); 0/absent = the kernel's default, 1024. */
  cpuShares?: number;
  restartPolicy?: RestartPolicy;
  autoRemove?: boolean;
  /**
   * Run a small init (Debian's catatonit, bound at /dev/init) as PID 1 that
   * forwards signals to the command and reaps zombies, like `docker run
   * --init`: a command that is PID 1 itself ignores SIGTERM unless it handles it.
   */
  init?: boolean;
  /**
   * The first network: "bridge" (also "default" or absent: the default
   * network), a user network's name or ID, "none" (only lo) or "host" (the
   * host's namespace).
   */
  networkMode?: string;
  /** Endpoint wishes per network name (aliases, fixed IP), for the first network and for more joined at create or by `network connect`. */
  networks?: Record<string, EndpointRequest>;
  /** Published ports (`-p`); host port 0 = a free one picked at start. */
  portBindings?: PortBinding[];
  /** `-P`: publish every exposed port on a free host port. */
  publishAllPorts?: boolean;
  /** `--link name:alias` (hosts entry + environment variables). */
  links?: Link[];
  /** resolv.conf overrides (`--dns`, `--dns-search`, `--dns-option`). */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--add-host name:ip` lines for /etc/hosts. */
  extraHosts?: string[];
  stopSignal?: string;
  /** Seconds `stop` waits before SIGKILL (default 10). */
  stopTimeout?: number;
  /** Extra capabilities to add / drop ("NET_ADMIN", "ALL"). */
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /**
   * Part A (seccomp/securityOpt): Docker's HostConfig.SecurityOpt, kept as given:
   * `seccomp=unconfined|builtin|<profile JSON>`, `no-new-privileges[=true|false]`
   * (default on here), `apparmor=unconfined`, `label=disable` (security-opts.ts).
   */
  securityOpt?: string[];
  /** Overrides of image config values exposed unchanged in inspect (ExposedPorts, Volumes…). */
  exposedPorts?: Record<string, object>;
  // ---- part 5, storage quota (runtime/quota) ----
  /**
   * Docker's `--storage-opt` (HostConfig.StorageOpt): only `size` ("10G"),
   * the writable layer's limit, enforced by the filesystem; `Invalid` for
   * another key, a bad size, or a store that cannot bound disk. Absent: the
   * engine's `storageQuota.defaultSize` (none unless configured, as Docker).
   */
  storageOpt?: Record<string, string>;
  // ---- issue 13 part 2: user namespaces (userns.ts) ----
  /**
   * The container's user namespace: absent or 'host' = the host's (Docker's
   * default); 'auto' = its own, with a free range of host ids from the
   * engine's pool (podman's `--userns=auto`); a map = its own with these
   * ranges (the platform gives each team one). The record stores the
   * resolved map ('auto' becomes a map with `auto: true`).
   */
  userns?: UsernsOption;
  // ---- issue 16 (update): more of Docker's resource options; limits.ts checks them and turns them into the spec ----
  /** Memory + swap in bytes (`--memory-swap`); -1 = unlimited swap; absent = equal to `memory` (no swap). */
  memorySwap?: number;
  /** Soft limit in bytes (`--memory-reservation`). */
  memoryReservation?: number;
  /** 0..100 (`--memory-swappiness`); absent or -1 = the host's. cgroup v1 only. */
  memorySwappiness?: number;
  /** Keep the kernel's OOM killer off this cgroup (`--oom-kill-disable`). cgroup v1 only. */
  oomKillDisable?: boolean;
  /** CFS quota and period in µs (`--cpu-quota`, `--cpu-period`); never with `nanoCpus`. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** CPUs and memory nodes the container may use (`--cpuset-cpus 0-2,4`, `--cpuset-mems`). */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Relative I/O weight 10..1000 (`--blkio-weight`); needs a kernel with one (limits.ts). */
  blkioWeight?: number;
  /** The OCI runtime (`--runtime`): one of the engine's ("crun", "runc"); absent = the engine's default. */
  runtime?: string;
  // ---- log rotation (issue 13 part 3) ----
  /** Log driver and options (`--log-driver`, `--log-opt`; log-config.ts); at create, what it leaves out is filled from the engine's defaults. */
  logConfig?: LogConfig;
  // ---- healthchecks (issue 16; healthcheck.ts, health.ts) ----
  /** `Config.Healthcheck`: merged with the image's HEALTHCHECK at create (fields left 0 inherit it; Test ["NONE"] disables). */
  healthcheck?: HealthConfig;
  // ---- issue 16 scope 1 (nsopts): the remaining create options (host-options.ts) ----
  /** PID namespace: absent = its own; 'host'; 'container:<id|name>' (joined at start; that container must run). */
  pidMode?: string;
  /** IPC namespace: absent/'private'/'shareable' = its own; 'none' (no /dev/shm); 'host'; 'container:<id|name>' (a shareable or host one). */
  ipcMode?: string;
  /** UTS namespace: absent = its own; 'host' (the host's hostname, no `hostname` option). */
  utsMode?: string;
  /** Supplementary groups added to the process: names (the image's /etc/group) or numeric gids. */
  groupAdd?: string[];
  /** rlimits (`--ulimit nofile=1024:2048`); never above the engine's own hard limits. */
  ulimits?: Ulimit[];
  /** Bytes of the /dev/shm tmpfs; absent = 64 MiB. */
  shmSize?: number;
  /** Namespaced sysctls only (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*). */
  sysctls?: Record<string, string>;
  /** Host device nodes made in the container and allowed by its device cgroup. */
  devices?: DeviceMapping[];
  /** Extra device-cgroup rules, Docker's `type major:minor access` (`c 7:128 rwm`, `a *:* m`). */
  deviceCgroupRules?: string[];
  /** `container[:ro|:rw]` as asked; their mounts were copied into `mounts` at create. */
  volumesFrom?: string[];
  /** Only the default isolation exists on Linux: '' or 'default', kept as asked for inspect. */
  isolation?: string;
  /** Initial [height, width] of the terminal (`docker run -t` sends it). */
  consoleSize?: [number, number];
  /** /proc/<pid>/oom_score_adj of the process, 0..1000 (lowering it needs CAP_SYS_RESOURCE, which the engine may lack). */
  oomScoreAdj?: number;
  /** Only 'local' (or absent) exists: kept for inspect; another driver is refused when the container has volumes, as dockerd does. */
  volumeDriver?: string;
}

/**
 * What `update` changes (Docker's `POST /containers/{id}/update`): a
 * resource given (non-zero; `pidsLimit` also ≤ 0, meaning no limit) replaces
 * the container's, the others stay; `restartPolicy` replaces the policy.
 */
export type ContainerUpdate = Partial<Pick<CreateOptions,
  'memory' | 'memorySwap' | 'memoryReservation' | 'nanoCpus' | 'cpuQuota' | 'cpuPeriod' | 'cpuShares'
  | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit' | 'blkioWeight' | 'restartPolicy'>>;

/** One rlimit (Docker's `Ulimit`: name without RLIMIT_, lower-case). */
export interface Ulimit { name: string; soft: number; hard: number }

/** A host device made in the container (Docker's `DeviceMapping`). */
export interface DeviceMapping { pathOnHost: string; pathInContainer: string; cgroupPermissions: string }

/** A container's own user namespace; `auto` when the engine picked the range. */
export interface UsernsMap extends IdMaps {
  auto?: boolean;
}

/** What `CreateOptions.userns` takes: the host's namespace, one picked from the pool, or a given map. */
export type UsernsOption = 'host' | 'auto' | UsernsMap;

/** What was asked for, fixed at create (except `name`). */
export interface ContainerRecord {
  id: string;           // 64 hex chars
  name: string;         // without the leading "/"
  created: string;      // RFC 3339
  imageId: string;      // sha256:…
  imageRef: string;     // as the user wrote it
  /** The image's top chain ID (parent of the container's snapshot). */
  snapshotParent: string | null;
  /** Resolved process: image config merged with the create options. */
  config: ContainerConfig & { Hostname: string; Tty: boolean; OpenStdin: boolean; StdinOnce: boolean; Image: string };
  options: CreateOptions;
  /** The OCI runtime that runs it: "crun" or "runc" (fixed at create). */
  runtime: string;
}

/** What happened; rewritten atomically on every transition. */
export interface ContainerState {
  status: ContainerStatus;
  pid: number;          // 0 when not running
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string;    // "0001-01-01T00:00:00Z" when never
  finishedAt: string;
  restartCount: number;
  /** Set by an explicit stop/kill so restart policies do not fire. */
  stoppedByUser: boolean;
  /** Healthcheck results (Docker's State.Health); absent when the container has no healthcheck. Kept after it stops. */
  health?: HealthState;
}

/** One healthcheck probe run (Docker's HealthcheckResult). */
export interface HealthResult {
  start: string;        // RFC 3339
  end: string;
  /** 0 healthy; anything else a failure; -1 when the probe timed out or could not run. */
  exitCode: number;
  /** stdout and stderr together, at most 4096 bytes, then "..." (Docker's limitedBuffer). */
  output: string;
}

/**
 * A container's health: `starting` from each start until the first
 * successful probe; `healthy` after a success; `unhealthy` once `retries`
 * probes in a row failed (failures within the start period do not count
 * while it is still `starting`). `log` keeps the last 5 results, oldest first.
 */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: HealthResult[];
}

/** A container as listed and inspected. */
export interface Container {
  record: ContainerRecord;
  state: ContainerState;
  /** Its network namespace, endpoints and published ports while it runs (set by the engine on get/list). */
  network?: SandboxState | null;
}

/** Filters of `ps` (Docker's names). */
export interface ListFilters {
  all?: boolean;
  id?: string[];
  name?: string[];
  label?: string[];        // "key" or "key=value"
  status?: ContainerStatus[];
  ancestor?: string[];     // image reference or ID
  exited?: number[];
  /** Docker's health filter: starting, healthy, unhealthy or none (no healthcheck). */
  health?: Array<HealthState['status'] | 'none'>;
}

/** One process as `top` shows it. */
export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** One sample of `stats`, read from the container's cgroup. */
export interface StatsSample {
  read: string;
  cpuTotalNs: number;       // cumulative CPU time of the container
  systemCpuNs: number;      // cumulative CPU time of the host (for percentages)
  onlineCpus: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  pidsLimit: number;
  /** Counters of the container's own network interfaces by name (not `lo`); absent without any (`--network none`, host). */
  networks?: Record<string, InterfaceCounters>;
}

/** One interface's counters, as /proc/net/dev shows them. */
export interface InterfaceCounters {
  rxBytes: number; rxPackets: number; rxErrors: number; rxDropped: number;
  txBytes: number; txPackets: number; txErrors: number; txDropped: number;
}

/** One line of a container's log. */
export interface LogLine {
  time: string;             // RFC 3339 with nanoseconds
  stream: 'stdout' | 'stderr';
  /** Bytes of the line including its newline, unless the line was partial. */
  data: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Unix seconds (fractional allowed). */
  since?: number;
  until?: number;
  /** Number of lines from the end; undefined = all. */
  tail?: number;
  /** With `follow`: stop following (the iterator ends) when this aborts, even while no line comes. */
  signal?: AbortSignal;
}

/** Options of `exec`. */
export interface ExecOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  attachStdin?: boolean;
  attachStdout?: boolean;
  attachStderr?: boolean;
  privileged?: boolean;
  detach?: boolean;
  /** Keys that detach a terminal's client (Docker's format; default ctrl-p,ctrl-q); see detach-keys.ts. */
  detachKeys?: string;
}

export interface ExecState {
  id: string;
  containerId: string;
  options: ExecOptions;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

/**
 * The platform's contracts: its vocabulary, its configuration, and the
 * interfaces between its parts. Each part lives in its own folder and is
 * wired together only in platform/parts.ts (for main.ts and the test beds):
 *
 *   services/   embedded PostgreSQL and Redis (the default when no URL is given)
 *   db/         pool, migrations
 *   store/      SQL of each table, one file per table group (plain functions over a Db)
 *   auth/       tokens → Caller; ownership checks
 *   api/        koa JSON API under /v1 (edge: parses, calls a function, maps errors), OpenAPI
 *   git/        node-git-server receiver at /git/<app>.git and the pre-receive hook bridge
 *   builds/     source tar → image (Dockerfile via the engine, else buildpacks): `Builder`
 *   deploy/     releases → running processes: `Deployer` (pipeline, health checks, route switch)
 *   scheduler/  processes as engine containers: `Scheduler` (local engine now; Kubernetes later)
 *   jobs/       bull queues build, deploy, reconcile, erase: `Jobs`
 *   routing/    writes the router's route table (router/types.ts) for apps
 *   dashboard/  handlebars pages
 *
 * Vocabulary (Heroku's)
 * - *team*: a tenant. Owns apps. Users are members of one or more teams.
 *   Every call is made by a *caller* (a user, from an API token); an app of a
 *   team the caller is not a member of does not exist for them (`NotFound`,
 *   never `Forbidden`, so names of other tenants' apps leak nothing). Each
 *   member has a *role* in the team (`TeamRole`: owner, member, viewer;
 *   auth/roles.ts); a role too low for a call is `Forbidden`. Admins see and
 *   may do everything, and create teams and users.
 * - *app*: a name (DNS label) → builds, releases, formation, domains.
 * - *build*: one source (a git commit) turned into an image, with its log.
 * - *release*: vN = image + config vars + process types, numbered per app,
 *   immutable. A config change, a build, a rollback each make a new release.
 *   Deploying it makes it the app's *current release* when it succeeds.
 * - *plan*: a process size the operator offers (like Heroku's dyno sizes):
 *   memory, CPU weight and quota, pids, writable-layer disk (`Plan`; platform/plans.ts).
 * - *formation*: desired `type → quantity, plan` for the app; `scale`
 *   changes it. Types without a formation row run `web=1` (when the release
 *   has `web`) and others 0, as on Heroku.
 * - *process*: one running container of the current release, named
 *   `type.N` (web.1, worker.2). Its container is labelled (LABELS below).
 * - *one-off*: a container of the current release for `tspaas run`, removed
 *   when it ends; not part of the formation.
 *
 * Errors are TspaasErrors (lib/errors.ts); only api/ and git/ turn kinds into
 * statuses or push messages.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Db, Queryable } from './db/pool.js';

// ---------------------------------------------------------------- config

/** What tspaasd's platform part gets, parsed and frozen by platform/main.ts (see config.ts). */
export interface PlatformConfig {
  /** <root>/platform: git repos, build sources and logs, embedded PostgreSQL/Redis data. */
  dataDir: string;
  /** <run>: sockets (git hook bridge), pid files. */
  runDir: string;
  /** host:port of the one HTTP listener (API, git, dashboard). Default 127.0.0.1:5080. */
  listen: { host: string; port: number };
  /** URL clients use to reach the listener (for git remotes and the OpenAPI `servers`). */
  publicUrl: string;
  /** Apps answer on `<app>.<baseDomain>` at the router. Default `localhost`. */
  baseDomain: string;
  /** Router's public HTTP port, only to print app URLs (`http://shop.localhost:8080`); 80 is left out. */
  routerPort: number;
  /** Deploy tuning: health-check defaults, drain wait, stop grace. */
  deploy: DeployTuning;
  /**
   * Largest push the git receiver takes, in bytes of the receive-pack request
   * (commands and pack). A larger push is refused while it arrives and leaves
   * nothing behind. Default 1 GiB, like Heroku's repository limit.
   */
  maxPushBytes: number;
  /** Bytes of log lines kept per app of containers that are gone (log-archive.ts; the file may reach twice this before it is cut). Default 1 MiB. */
  logArchiveBytes?: number;
  /** The process sizes on offer (`--plan`), the default one and the builds' one (issue 13, part 4). */
  plans: Plans;
  /** Issue 17, audit: days audit rows are kept (`--audit-retention`); absent = 90 (config.ts). */
  auditRetentionDays?: number;
  /**
   * Issue 17, audit: addresses (IPs or CIDRs) of reverse proxies in front of
   * the listener (`--trusted-proxy`). Only a request from one of them has its
   * X-Forwarded-For read for the client's address; absent = none, the
   * socket's peer is the client.
   */
  trustedProxies?: readonly string[];
  /** Issue 17, part 1: the quotas a new team gets (`--team-quota`); absent = none (every limit unlimited). */
  teamQuota?: Readonly<QuotaLimits>;
}

/**
 * What a team may use at most (issue 17, part 1; platform/control/quotas.ts);
 * null = unlimited. Kept in `team_quotas` (migration 0010).
 */
export interface QuotaLimits {
  /** Apps (those being destroyed no longer count). */
  apps: number | null;
  /** Processes of its apps' formations plus one-offs while they run. */
  processes: number | null;
  /** Sum of quantity × memory of those processes and one-offs. */
  memoryBytes: number | null;
  /** Sum of quantity × the plan's CPU quota (cores) of those; a plan without a CPU quota cannot be used while this is set. */
  cpus: number | null;
  /** The plans its processes and one-offs may run at (lowercase names). */
  plans: string[] | null;
  /** Minutes its builds may take per UTC day (created to finished, or to now while they run). */
  buildMinutes: number | null;
  /** Builds pending or running at once. */
  builds: number | null;
  /** Bytes of its apps' images and build caches; new builds are refused while the team is at or over it. */
  diskBytes: number | null;
  /** Custom domains of its apps. */
  domains: number | null;
}

/**
 * A process size the operator offers, like Heroku's dyno sizes; every app,
 * one-off and build container gets one. No plan may ask for more than the
 * host has: one that does is listed but refused (`Invalid`) when asked for.
 */
export interface Plan {
  /** Lowercase name: `basic`, `standard-1x`… */
  name: string;
  /** Memory limit (swap included: none beyond it). */
  memoryBytes: number;
  /** CPU weight against the other containers (cgroup v1 cpu.shares; 1024 = Docker's default). */
  cpuShares: number;
  /** CPU quota in cores (CFS quota over 100 ms); 0 = none. */
  cpus: number;
  /** Processes and threads at most (fork bombs stop here). */
  pidsLimit: number;
  /** Issue 13, part 5: writable-layer size of its app and one-off containers; absent = 2 GiB (scheduler/disk.ts, `planDisk`). */
  diskBytes?: number;
}

/** The plans on offer, smallest memory first, and the names of the default one and of the builds' one. */
export interface Plans {
  list: Plan[];
  /** The plan of processes and one-offs that name none. */
  default: string;
  /** The plan of build containers (Dockerfile steps and buildpacks). */
  build: string;
}

export interface DeployTuning {
  /** PORT given to web processes. Default 5000. */
  port: number;
  /** TCP/HTTP check: attempts, ms between attempts, ms per attempt. Defaults 30, 500, 2000. */
  checkAttempts: number;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  /** Non-web processes must stay up this long to count as started. Default 2000. */
  settleMs: number;
  /** After the route switch, old web processes keep serving this long before SIGTERM. Default 2000. */
  drainMs: number;
  /** SIGTERM → SIGKILL grace of stopped processes, seconds. Default 10 (Heroku: 30). */
  stopGraceSeconds: number;
}

// ---------------------------------------------------------------- vocabulary

export interface Team { id: string; name: string; createdAt: string }

export interface User { id: string; email: string; isAdmin: boolean; teams: string[]; createdAt: string }

/** Who makes a call: resolved from the API token by auth/. */
export interface Caller {
  user: User;
  /** IDs of the caller's teams. */
  teamIds: string[];
  /** The caller's role in each of their teams, by team id (migration 0009; auth/roles.ts). Admins have every right without one. */
  roles: Record<string, TeamRole>;
  /**
   * The client's IP address (issue 17, audit), set where the call came in:
   * the API's auth middleware, the run socket, the git receiver
   * (platform/client-address.ts). Absent for callers made inside tspaasd.
   */
  address?: string;
}

/**
 * A member's role in a team, each including the rights of the next:
 * `owner` (members and roles, quotas view, destroy apps, delete the team),
 * `member` (deploy, scale, config, run, logs, restart, domains, rollback,
 * create apps), `viewer` (reads only; config values masked).
 */
export type TeamRole = 'owner' | 'member' | 'viewer';

export interface App {
  id: string;
  name: string;
  teamId: string;
  teamName: string;
  /** Host uid (and gid) of container root for the team's containers: its user namespace (issue 13 part 2; migration 0005). */
  teamUsernsHostId: number;
  currentReleaseId: string | null;
  createdAt: string;
}

export type BuildStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface Build {
  id: string;
  appId: string;
  userId: string | null;
  status: BuildStatus;
  /** The git commit built. */
  source: string;
  builder: 'dockerfile' | 'buildpacks' | null;
  image: string | null;
  processTypes: Record<string, string>;
  appJson: AppJson | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** The part of app.json tspaas reads (Dokku's healthchecks format). */
export interface AppJson {
  healthchecks?: Record<string, HealthCheck[]>;
  formation?: Record<string, { quantity?: number; size?: string }>;
}

/** One startup check of a process type; no `path` = a TCP connect to PORT. */
export interface HealthCheck {
  type?: 'startup';
  name?: string;
  /** HTTP GET this path on PORT; 2xx or 3xx passes. */
  path?: string;
  /** The body must contain this text. */
  content?: string;
  attempts?: number;
  /** Seconds per attempt. */
  timeout?: number;
  /** Seconds between attempts. */
  wait?: number;
  /** Seconds before the first attempt. */
  initialDelay?: number;
}

export type ReleaseStatus = 'pending' | 'deploying' | 'succeeded' | 'failed';

export interface Release {
  id: string;
  appId: string;
  version: number;
  buildId: string | null;
  image: string | null;
  config: Record<string, string>;
  /** type → command; `release` is the release-phase command, never a process. */
  processTypes: Record<string, string>;
  appJson: AppJson | null;
  /** What changed: "Deploy 1a2b3c4", "Set FOO config vars", "Rollback to v3", "Scale"… */
  description: string;
  userId: string | null;
  userEmail: string | null;
  status: ReleaseStatus;
  /** Why the deploy failed, with the last log lines of the failing process. */
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/**
 * One process type's wish. `memoryBytes` is the plan's, or less when the size
 * was given as memory (`web=1:256M`: the smallest plan that fits, with that memory).
 */
export interface FormationEntry { type: string; quantity: number; plan: string; memoryBytes: number }

/** The size a process runs at: a plan's name and its memory (the plan's own, or a smaller one asked for). */
export type ProcessSize = Pick<FormationEntry, 'plan' | 'memoryBytes'>;

export type ProcessState = 'starting' | 'up' | 'crashed' | 'stopping';

/** One process as `tspaas ps` shows it. */
export interface ProcessInfo {
  /** `web.1`. */
  name: string;
  type: string;
  index: number;
  containerId: string;
  releaseVersion: number;
  state: ProcessState;
  /** Container address on the app's network; null when not running. */
  address: string | null;
  port: number | null;
  /** Issue 14 part P: where `port` came from (config PORT, the image's EXPOSE, the default), for messages; absent on old containers. */
  portFrom?: string;
  restarts: number;
  startedAt: string;
  command: string;
  /** The container's memory limit; null when it has none. Reconcile rolls processes whose size is not the formation's. */
  memoryBytes: number | null;
  /** The plan it runs at (LABELS.plan); null for a container started before plans existed. */
  plan: string | null;
}

export interface Domain { hostname: string; appId: string; certificate: string | null; createdAt: string }

export interface Certificate { id: string; appId: string; name: string; hostnames: string[]; expiresAt: string; createdAt: string }

/** Labels on every container the platform runs (the scheduler's way back from container to process). */
export const LABELS = {
  app: 'io.tspaas.app',
  appId: 'io.tspaas.app-id',
  type: 'io.tspaas.process-type',
  index: 'io.tspaas.process-index',
  release: 'io.tspaas.release',
  version: 'io.tspaas.release-version',
  /** "1" for `tspaas run` containers. */
  oneOff: 'io.tspaas.one-off',
  /** How many times the platform restarted this `type.N` before this container (StartOptions.restarts); absent = 0. */
  restarts: 'io.tspaas.restarts',
  /** The plan the container's bounds come from (ProcessSize.plan). */
  plan: 'io.tspaas.plan',
  /** Issue 14 part P: the process's PORT and where it came from (scheduler/port.ts); absent = the platform's port. */
  port: 'io.tspaas.port',
  portFrom: 'io.tspaas.port-from',
} as const;

// ---------------------------------------------------------------- events

/**
 * What happened during a build or deploy, for the pusher (`remote:` lines),
 * `tspaas logs` and the deploy progress of the CLI. Published on the
 * in-process bus by whoever does the work, and kept as lines in
 * `<dataDir>/logs/builds/<buildId>.log` (builds) and
 * `<dataDir>/logs/releases/<releaseId>.log` (deploys) so a watcher
 * that joins late, or after a restart, reads the past first.
 */
export type PlatformEvent =
  | { kind: 'build'; appId: string; buildId: string; line: string }
  | { kind: 'build-done'; appId: string; buildId: string; status: 'succeeded' | 'failed'; error?: string; releaseId?: string }
  | { kind: 'deploy'; appId: string; releaseId: string; line: string }
  | { kind: 'deploy-done'; appId: string; releaseId: string; status: 'succeeded' | 'failed'; error?: string }
  | { kind: 'process'; appId: string; name: string; state: ProcessState | 'stopped'; containerId: string };

/** The in-process event bus (platform/events.ts). */
export interface EventBus {
  publish(event: PlatformEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(appId: string, listener: (event: PlatformEvent) => void): () => void;
}

// ---------------------------------------------------------------- parts

export type JobState = 'waiting' | 'active' | 'delayed' | 'paused' | 'completed' | 'failed' | 'missing';

/** bull queues (jobs/). Every job is idempotent; the same job id is never queued twice. */
export interface Jobs {
  /** Build `buildId` (its source tar is already at `sourcePath(buildId)`); on success the build job creates the release and enqueues its deploy. */
  enqueueBuild(buildId: string): Promise<void>;
  /** Deploy `releaseId`; one deploy at a time per app, in order of enqueueing. */
  enqueueDeploy(releaseId: string): Promise<void>;
  /** Bring the app's running processes in line with its formation (only the types listed, or all). */
  enqueueReconcile(appId: string, types?: string[]): Promise<void>;
  /**
   * Erase what is left of the destroyed app `appId` (platform/control/erase.ts), retried until
   * nothing is; asking again while its job waits or runs changes nothing, after it ended queues it anew.
   */
  enqueueErase(appId: string): Promise<void>;
  /** Where the deploy job of `releaseId` is; `missing` when there is none (never queued, or removed). */
  deployState(releaseId: string): Promise<JobState>;
  /** Where the build job of `buildId` is; `missing` when there is none. */
  buildState(buildId: string): Promise<JobState>;
  /** Counts per queue and state, for the API's /v1/status. */
  status(): Promise<Record<string, Record<string, number>>>;
  close(): Promise<void>;
}

/** Turns a source tar into an image (builds/). Used by the build job. */
/** What a build is given: the app, its source tar, config vars (buildpacks) and registry credentials (Dockerfile FROMs). */
export interface BuildRequest {
  app: App;
  buildId: string;
  sourcePath: string;
  env: Record<string, string>;
  /** Issue 14 part R: the app's registry logins (its team's, overridden by its own), by registry host; only this build sees them. */
  registryAuth?: Record<string, { username: string; password: string }>;
}

export interface Builder {
  /**
   * Build: reads the tar at `sourcePath`, picks Dockerfile or buildpacks,
   * tags the image `tspaas/<app>:build-<short id>`, streams output lines to
   * `onLine`. `Invalid` when the build fails (message = the reason the
   * pusher sees), `Unavailable` on a time-out.
   */
  build(req: BuildRequest, onLine: (line: string) => void):
    Promise<{ builder: 'dockerfile' | 'buildpacks'; image: string; processTypes: Record<string, string>; appJson: AppJson | null }>;
  /**
   * Each build runs in the app's own network sandbox (its build network,
   * made on the first build): outbound NAT and DNS only, no traffic to other
   * apps' builds or containers or to the host's services; whatever the
   * source names (buildpack URLs, `ADD <url>`) is fetched from there, never
   * by the host.
   *
   * Erase what the app's builds left (destroy): every image tagged
   * `tspaas/<app>`, the app's Dockerfile build cache (its own scope, keyed by
   * the app's id, so no other app ever hits it) with the intermediate images
   * it kept, the buildpack cache and the build network. Idempotent; call it
   * once no build of the app runs and its containers are gone. `Unavailable`
   * when an image of the app is still there afterwards (a container holds it).
   */
  erase(app: App): Promise<void>;
  /**
   * Issue 17, part 1: the disk the app's builds hold now, for the team's disk quota: its images
   * (`tspaas/<app>` and the intermediate images of its build scope, each layer once) and its
   * buildpack cache. Layers shared with other apps' images count for each of them.
   */
  diskUsage(app: App): Promise<{ imageBytes: number; cacheBytes: number }>;
}

/** Runs processes (scheduler/): the engine today. Knows containers, not releases' history. */
export interface Scheduler {
  /**
   * Start `type.index` of `release` on the app's network and return it once the container runs
   * (`Invalid` when the release has no image or no such process type). `opts.restarts` is kept
   * on the container (LABELS.restarts) so `ps` shows crash loops across replacement containers.
   */
  startProcess(app: App, release: Release, type: string, index: number, size: ProcessSize, opts?: StartOptions): Promise<ProcessInfo>;
  /** SIGTERM, then SIGKILL after the grace; its last log lines are kept for `logs`, the container is removed. Unknown containers are ignored. */
  stopProcess(containerId: string, graceSeconds: number): Promise<void>;
  /** Every process container of the app (any release), from the engine's view; one-offs are not processes and are left out. */
  listProcesses(app: App): Promise<ProcessInfo[]>;
  /** The last `lines` log lines of a container (for failure reasons); none for an unknown container. */
  tailLogs(containerId: string, lines: number): Promise<string[]>;
  /**
   * Log lines of the app's processes and one-offs, merged, `type.N` prefixed, those of removed
   * processes and ended detached one-offs included (the last 1,500 lines the app's removed
   * containers said); `tail` lines per container; `type` is `web` or one `web.1`. Without
   * `follow`: sorted by time, then the end.
   * With `follow`: that, then lines as they come, and containers started later join; ends when
   * `signal` aborts (or the consumer stops iterating).
   */
  logs(app: App, opts: { follow: boolean; tail?: number; type?: string; signal?: AbortSignal }): AsyncIterable<LogEntry>;
  /** Start a one-off container of `release`; attached when `attach`. Removed when it ends (a detached one's lines kept for `logs` first). */
  runOneOff(app: App, release: Release, opts: OneOffOptions): Promise<OneOff>;
  /**
   * Remove every container of the app (processes and one-offs), its network and its kept log
   * lines (destroy). Idempotent; `Unavailable` when a container of the app is still there afterwards.
   */
  removeApp(app: App): Promise<void>;
  /** What one process may get at most: the host's memory and CPUs (a Kubernetes scheduler: its largest node's). */
  capacity(): Promise<{ memoryBytes: number; cpus: number }>;
  /**
   * The exit feed: `listener` hears of every process and one-off of any app that ends (exits,
   * is killed, is stopped) from now on, once per exit, as it happens; nothing of exits before
   * the call. The platform's own stops are heard too: telling them from crashes is the
   * listener's business (deploy/crashes.ts marks what it stops first). Returns the function
   * that stops the feed. The listener must not throw (errors of its own work are its to log).
   * A Kubernetes scheduler: a watch on its pods' container terminations.
   */
  watchExits(listener: (exit: ProcessExit) => void): () => void;
}

/** One ended process or one-off, as the exit feed (Scheduler.watchExits) tells it. */
export interface ProcessExit {
  appId: string;
  /** The container (ProcessInfo.containerId, OneOff.containerId) that ended. */
  containerId: string;
  /** `web.1`, `run.1234`. */
  name: string;
  /** A `tspaas run` container (or the release phase), not a process of the formation. */
  oneOff: boolean;
  /** The exit code (128 + signal when killed); null when the scheduler could not learn it. */
  exitCode: number | null;
}

export interface StartOptions {
  /** Restarts of this `type.N` so far (the reconciler's count); default 0. */
  restarts?: number;
}

export interface LogEntry {
  /** RFC 3339. */
  time: string;
  /** `web.1`, `run.1234`, `deploy`, `build`. */
  source: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface OneOffOptions {
  command: string[];
  env?: Record<string, string>;
  tty: boolean;
  attach: boolean;
  rows?: number;
  cols?: number;
  /** Absent = the default plan. */
  size?: ProcessSize;
}

/**
 * A live connection to an attached one-off's stdio: output from its start
 * (nothing is lost; attaching happens before it runs), stdin while it runs.
 * With a tty there is one output stream (reported as `stdout`). The local
 * scheduler adapts the engine's attachment; a Kubernetes one would adapt its
 * pod attach stream.
 */
export interface OneOffAttachment {
  /** Called for every chunk of output, in order. */
  onOutput(cb: (stream: 'stdout' | 'stderr', data: Buffer) => void): void;
  /** Called once when no more output will come (the one-off ended, or the attachment was detached). */
  onEnd(cb: () => void): void;
  /** Its stdin; null when it is not open. Ending it closes the one-off's stdin (`eof`). */
  stdin: Writable | null;
  /** Stop relaying; the one-off keeps running. */
  detach(): void;
}

export interface OneOff {
  /** `run.N` */
  name: string;
  containerId: string;
  /** Present when attached. */
  attachment: OneOffAttachment | null;
  resize(rows: number, cols: number): Promise<void>;
  /** Resolves with the exit code once the container ended (and was removed). */
  wait(): Promise<number>;
  /** End it now (the client went away): SIGKILL; it is removed as always. Fine when it already ended. */
  stop(): Promise<void>;
}

/** Rows written in the same transaction as a change (its audit row), given what the change made: both land or neither. */
export type Alongside<T> = (q: Queryable, made: T) => Promise<void>;

/**
 * Releases and deploys (deploy/). The API and the build job call these;
 * the deploy and reconcile jobs run `deployRelease` / `reconcileApp`.
 */
export interface Deployer {
  /**
   * Make release vN+1 from the current one with the given changes (image and
   * process types from a build, config, or all of an old release for a
   * rollback) and enqueue its deploy. Returns it. A release without an image
   * is recorded (config before the first push) and not deployed. `alongside` writes in the release's transaction.
   */
  createRelease(app: App, change: ReleaseChange, caller: Caller | null, alongside?: Alongside<Release>): Promise<Release>;
  /**
   * The deploy job's body: release phase, start, check, switch routes, drain, stop the old. Idempotent.
   * A failure that is the app's fault (health check, release phase) is recorded on the release and
   * resolves; other errors throw so the job is retried — unless `attempt.lastAttempt` (the default),
   * when the release is marked failed too. One deploy at a time per app (a per-app lock).
   */
  deployRelease(releaseId: string, attempt?: { lastAttempt: boolean }): Promise<void>;
  /** The reconcile job's body: formation vs running processes of the current release. */
  reconcileApp(appId: string, types?: string[]): Promise<void>;
  /** Change the formation (`web=2:512M`) and enqueue a reconcile of the changed types only. `alongside` writes in the formation's transaction. */
  scale(app: App, changes: Array<{ type: string; quantity?: number; size?: ProcessSize }>, caller: Caller,
    alongside?: Alongside<FormationEntry[]>): Promise<FormationEntry[]>;
  /**
   * Restart all processes, or one type, or one `type.N`: new containers first, then the old stop.
   * `NotFound` at once when nothing matches; otherwise resolves when the restart is done (callers
   * that answer 202 need not await it).
   */
  restart(app: App, target: string | undefined, caller: Caller): Promise<void>;
  /** Wait until the release's deploy ends; resolves with the release as it ended. */
  waitForRelease(releaseId: string, onEvent?: (e: PlatformEvent) => void, signal?: AbortSignal): Promise<Release>;
  /**
   * Mark a release whose deploy job ended without finishing it (its worker
   * died more often than the queue retries stalled jobs, or it was lost) as
   * failed with `reason`; nothing when the deploy already ended.
   */
  abandonRelease(releaseId: string, reason: string): Promise<void>;
  /** Stop watching the scheduler's exit feed for crashes (pending crash restarts are dropped; reconcile at start covers them). */
  close(): Promise<void>;
}

export type ReleaseChange =
  | { kind: 'build'; build: Build }
  | { kind: 'config'; set: Record<string, string>; unset: string[] }
  | { kind: 'rollback'; to: Release };

/**
 * Everything a part may use; assembled once by parts.ts (`assembleParts`) for main.ts and the
 * test harnesses. No engine here: containers are reached only through the Scheduler, images
 * made only through the Builder (the two parts that hold the engine), so a Kubernetes
 * scheduler is a new implementation of two contracts, not a rewrite.
 */
export interface PlatformDeps {
  config: Readonly<PlatformConfig>;
  db: Db;
  events: EventBus;
  jobs: Jobs;
  builder: Builder;
  scheduler: Scheduler;
  deployer: Deployer;
  log: Logger;
}

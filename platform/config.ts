/**
 * tspaasd's configuration: parsed once from argv and the environment by
 * platform/main.ts, validated, frozen, and passed down. Flags win over
 * environment variables, which win over the defaults.
 *
 * Layout (all under two roots, so tests run side by side in temp dirs):
 *   <root>/engine          engine state (images, snapshots, containers, volumes)
 *   <root>/platform        the platform's data (PlatformConfig.dataDir): git repos, build
 *                          caches and logs, embedded PostgreSQL (postgres/) and Redis (redis/)
 *   <run>/…                the run files shared with `tspaas up` (lib/run-files.ts): the engine's
 *                          volatile state, its API socket, the pid file, platform.json, admin-token
 * With --engine-only, tspaasd is just the engine and its API socket.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { invalid } from '../lib/errors.js';
import { baseDomain, oneOf } from '../lib/flags.js';
import { runFiles } from '../lib/run-files.js';
import type { EngineConfig } from '../runtime/types.js';
import { DEFAULT_LOG_OPTS, resolveLogConfig } from '../runtime/containers/log-config.js';
import { DEFAULT_BUILD_PLAN, DEFAULT_PLAN, DEFAULT_PLANS, findPlan, parsePlanSpec, plansOf } from './plans.js';
import { NO_LIMITS } from './store/quotas.js';
import { parseQuotaSpecs } from '../lib/quota-values.js';
import type { DeployTuning, Plan, PlatformConfig, QuotaLimits } from './types.js';
import { parseBytes } from '../lib/bytes.js';
import { parseMirrorUrl } from '../runtime/registry/mirrors.js';
import { parseProxyAddress } from './client-address.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const RUNTIMES = ['crun', 'runc', 'auto'] as const;

export interface DaemonConfig {
  /** Data root (--root, TSPAAS_ROOT), default /var/lib/tspaas. */
  root: string;
  /** Run root (--run-root, TSPAAS_RUN), default /run/tspaas. */
  runRoot: string;
  /** What the engine gets. */
  engine: EngineConfig;
  /** Engine API socket: <run>/engine.sock. */
  socketPath: string;
  /** Group allowed on the socket besides root (--socket-group, TSPAAS_SOCKET_GROUP). */
  socketGroup?: string;
  /** <run>/tspaasd.pid. */
  pidFile: string;
  /** --log-level, TSPAAS_LOG_LEVEL; default info. */
  logLevel: LogLevel;
  /** tspaas's version (package.json), reported by the API. */
  version: string;
  /** --engine-only, TSPAAS_ENGINE_ONLY=1: only the engine and its API socket (no database, Redis, HTTP listener). */
  engineOnly: boolean;
  /** What the platform's parts get. */
  platform: Readonly<PlatformConfig>;
  /** --database-url, DATABASE_URL; absent = the embedded PostgreSQL under <root>/platform/postgres. */
  databaseUrl?: string;
  /** --redis-url, REDIS_URL; absent = the embedded redis-server under <root>/platform/redis. */
  redisUrl?: string;
  /** --redis-prefix, TSPAAS_REDIS_PREFIX: bull's key prefix, so several daemons can share one Redis. Default "tspaas". */
  redisPrefix: string;
  /** <run>/platform.json. */
  platformFile: string;
  /** <run>/admin-token. */
  adminTokenFile: string;
}

/** Usage text of tspaasd. */
export const USAGE = `Usage: tspaasd [options]

  --root <dir>              data root (TSPAAS_ROOT, default /var/lib/tspaas)
  --run-root <dir>          run root for sockets and pid files (TSPAAS_RUN, default /run/tspaas)
  --runtime <name>          OCI runtime: crun, runc or auto (TSPAAS_RUNTIME, default auto)
  --cgroup-parent <path>    parent cgroup of containers (default /tspaas)
  --socket-group <group>    group that may use the engine socket (TSPAAS_SOCKET_GROUP)
  --seccomp-profile <file>  seccomp profile (default: the shipped one, Docker's rules)
  --bridge <name>           bridge of the default network (default tspaas0)
  --bridge-subnet <cidr>    subnet of the default network (TSPAAS_BRIDGE_SUBNET, default 10.77.0.0/16)
  --network-pool <cidr>     pool of /24s for networks created without --subnet (default 10.78.0.0/15)
  --bridge-prefix <prefix>  prefix of user networks' bridges, up to 7 characters (default tsbr-)
  --insecure-registry <host>  registry reached over plain HTTP: host, host:port or CIDR; repeatable
                            (localhost and 127.0.0.0/8 always are)
  --registry-mirror <url>   mirror of Docker Hub for pulls and build FROMs of names like node:20, e.g.
                            http://10.0.0.5:5000; repeatable, tried in order (TSPAAS_REGISTRY_MIRRORS: URLs
                            separated by commas or spaces; docs/engine.md "Registry mirrors")
  --build-memory <bytes>    memory limit of Dockerfile build containers (default 2147483648; 0 = none)
  --build-pids <n>          pids limit of build containers (default 4096; 0 = none)
  --build-timeout <seconds> time limit of one RUN step (default 3600; 0 = none)
  --storage-quota <on|off>  bound disk with the quotas of the engine's filesystem (TSPAAS_STORAGE_QUOTA, default on;
                            docs/engine.md "Disk quotas")
  --storage-size <size>     writable-layer size of containers created without --storage-opt size
                            (e.g. 10G; default none, as Docker; the platform bounds its apps itself)
  --log-level <level>       fatal, error, warn, info, debug, trace, silent (TSPAAS_LOG_LEVEL, default info)
  --log-opt <key=value>     default bound of container logs: max-size=10m, max-file=3 (repeatable; these are the defaults)

Platform:
  --engine-only             run only the engine and its API socket (TSPAAS_ENGINE_ONLY=1)
  --listen <host:port>      the HTTP listener: API, git, dashboard (TSPAAS_LISTEN, default 127.0.0.1:5080)
  --public-url <url>        URL clients reach the listener at (TSPAAS_PUBLIC_URL, default http://<listen>)
  --base-domain <domain>    apps answer on <app>.<domain> (TSPAAS_BASE_DOMAIN, default localhost)
  --router-port <n>         the router's HTTP port, for app URLs (TSPAAS_ROUTER_PORT, default 80)
  --database-url <url>      PostgreSQL (DATABASE_URL; default: an embedded cluster under <root>/platform/postgres)
  --redis-url <url>         Redis (REDIS_URL; default: an embedded redis-server under <root>/platform/redis)
  --redis-prefix <prefix>   key prefix of the job queues (TSPAAS_REDIS_PREFIX, default tspaas)
  --check-interval <ms>     health checks: ms between attempts (default 500)
  --check-attempts <n>      health checks: attempts (default 30)
  --drain <ms>              old web processes serve this long after the route switch (default 2000)
  --stop-grace <seconds>    SIGTERM → SIGKILL grace of stopped processes (default 10)
  --max-push-size <bytes>   largest git push taken (TSPAAS_MAX_PUSH_SIZE, default 1073741824 = 1 GiB)
  --log-archive-size <bytes>  log lines kept per app of containers that are gone (default 1048576 = 1 MiB, at least 65536)
  --plan <spec>             a process size on offer, name:memory=1G,cpus=1,shares=1024,pids=512[,disk=2G]; repeatable,
                            replaces the defaults (TSPAAS_PLANS: specs separated by spaces; docs/platform.md)
  --default-plan <name>     plan of processes and one-offs that name none (TSPAAS_DEFAULT_PLAN, default basic)
  --build-plan <name>       plan of build containers (TSPAAS_BUILD_PLAN, default standard-2x)
  --audit-retention <days>  days audit rows are kept; older ones are deleted hourly (TSPAAS_AUDIT_RETENTION, default 90)
  --trusted-proxy <addr>    a reverse proxy in front of the listener (IP or CIDR; repeatable; TSPAAS_TRUSTED_PROXIES,
                            separated by commas or spaces): only its X-Forwarded-For names the client's address in the
                            audit log (default none: the connection's peer is the client)
  --team-quota <key=value>  a quota new teams get: apps, processes, memory (4G), cpu (cores), plans (a,b),
                            build-minutes (a day), builds (at once), disk (20G), domains; repeatable
                            (TSPAAS_TEAM_QUOTA: items separated by spaces; default none: unlimited)
  -h, --help                show this help
  -v, --version             show the version
`;

/** What argv asked for besides running: help or the version. */
export type DaemonCommand = { kind: 'run'; config: Readonly<DaemonConfig> } | { kind: 'help' } | { kind: 'version' };

/** Parse and validate argv (without node and script) and the environment into a frozen config. */
export function parseDaemonArgs(argv: string[], env: Readonly<Record<string, string | undefined>>, version: string): DaemonCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' }, 'run-root': { type: 'string' }, runtime: { type: 'string' },
        'cgroup-parent': { type: 'string' }, 'socket-group': { type: 'string' }, 'seccomp-profile': { type: 'string' },
        bridge: { type: 'string' }, 'bridge-subnet': { type: 'string' }, 'network-pool': { type: 'string' }, 'bridge-prefix': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true }, 'registry-mirror': { type: 'string', multiple: true }, plan: { type: 'string', multiple: true },
        'build-memory': { type: 'string' }, 'build-pids': { type: 'string' }, 'build-timeout': { type: 'string' },
        'storage-quota': { type: 'string' }, 'storage-size': { type: 'string' },
        'log-level': { type: 'string' }, 'log-opt': { type: 'string', multiple: true }, ...PLATFORM_OPTIONS, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw invalid(`${(err as Error).message}\n\n${USAGE}`, err);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const root = absolute(values.root ?? env.TSPAAS_ROOT ?? '/var/lib/tspaas', '--root');
  const runRoot = absolute(values['run-root'] ?? env.TSPAAS_RUN ?? '/run/tspaas', '--run-root');
  const files = runFiles(runRoot);
  const config: DaemonConfig = {
    root,
    runRoot,
    engine: Object.freeze({
      root: path.join(root, 'engine'),
      runRoot: files.engineRunDir,
      runtime: oneOf(values.runtime ?? env.TSPAAS_RUNTIME ?? 'auto', RUNTIMES, '--runtime'),
      cgroupParent: cgroupPath(values['cgroup-parent'] ?? '/tspaas'),
      seccompProfile: values['seccomp-profile'] ?? '',
      network: Object.freeze({
        bridge: ifname(values.bridge ?? 'tspaas0', 15, '--bridge'),
        subnet: values['bridge-subnet'] ?? env.TSPAAS_BRIDGE_SUBNET ?? '10.77.0.0/16',
        pool: values['network-pool'] ?? '10.78.0.0/15',
        bridgePrefix: ifname(values['bridge-prefix'] ?? 'tsbr-', 7, '--bridge-prefix'),
        cniPath: ['/usr/lib/cni', '/opt/cni/bin'],
        resolvConf: '/etc/resolv.conf',
      }),
      insecureRegistries: Object.freeze((values['insecure-registry'] ?? []).map(registryName)) as string[],
      // Part R of issue 14: Docker Hub mirrors.
      registryMirrors: registryMirrors(values['registry-mirror'], env.TSPAAS_REGISTRY_MIRRORS),
      build: Object.freeze({
        memory: count(values['build-memory'] ?? String(2 * 1024 ** 3), '--build-memory'),
        pidsLimit: count(values['build-pids'] ?? '4096', '--build-pids'),
        timeoutSeconds: count(values['build-timeout'] ?? '3600', '--build-timeout'),
      }),
      // Part 5, storage quota.
      storageQuota: Object.freeze({
        enabled: oneOf(values['storage-quota'] ?? env.TSPAAS_STORAGE_QUOTA ?? 'on', ['on', 'off'] as const, '--storage-quota') === 'on',
        defaultSize: values['storage-size'] === undefined ? 0 : parseBytes(values['storage-size'], '--storage-size'),
      }),
      logOpts: logOpts(values['log-opt'] ?? []),
    }),
    socketPath: files.socketPath,
    socketGroup: values['socket-group'] ?? (env.TSPAAS_SOCKET_GROUP || undefined),
    pidFile: files.pidFile,
    logLevel: oneOf(values['log-level'] ?? env.TSPAAS_LOG_LEVEL ?? 'info', LOG_LEVELS, '--log-level'),
    version,
    ...platformPart(values, env, root, runRoot, values.plan),
  };
  return { kind: 'run', config: Object.freeze(config) };
}

const PLATFORM_OPTIONS = {
  'engine-only': { type: 'boolean' }, listen: { type: 'string' }, 'public-url': { type: 'string' }, 'base-domain': { type: 'string' },
  'router-port': { type: 'string' }, 'database-url': { type: 'string' }, 'redis-url': { type: 'string' }, 'redis-prefix': { type: 'string' },
  'check-interval': { type: 'string' }, 'check-attempts': { type: 'string' }, drain: { type: 'string' }, 'stop-grace': { type: 'string' },
  'max-push-size': { type: 'string' }, 'log-archive-size': { type: 'string' }, 'default-plan': { type: 'string' }, 'build-plan': { type: 'string' },
  'audit-retention': { type: 'string' }, 'trusted-proxy': { type: 'string', multiple: true },
  'team-quota': { type: 'string', multiple: true },
} as const;

type PlatformValues = {
  [K in keyof typeof PLATFORM_OPTIONS]?: (typeof PLATFORM_OPTIONS)[K] extends { multiple: true } ? string[]
    : (typeof PLATFORM_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string
};
type PlatformPart = Pick<DaemonConfig, 'engineOnly' | 'platform' | 'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'platformFile' | 'adminTokenFile'>;

/** The platform's half of the config (flags over environment over defaults). */
function platformPart(values: PlatformValues, env: Readonly<Record<string, string | undefined>>, root: string, runRoot: string, planSpecs?: string[]): PlatformPart {
  const listen = parseListen(values.listen ?? env.TSPAAS_LISTEN ?? '127.0.0.1:5080');
  const publicUrl = parsePublicUrl(values['public-url'] ?? env.TSPAAS_PUBLIC_URL ?? defaultPublicUrl(listen));
  const deploy: DeployTuning = {
    ...DEPLOY_DEFAULTS,
    checkIntervalMs: count(values['check-interval'] ?? String(DEPLOY_DEFAULTS.checkIntervalMs), '--check-interval'),
    checkAttempts: positive(values['check-attempts'] ?? String(DEPLOY_DEFAULTS.checkAttempts), '--check-attempts'),
    drainMs: count(values.drain ?? String(DEPLOY_DEFAULTS.drainMs), '--drain'),
    stopGraceSeconds: count(values['stop-grace'] ?? String(DEPLOY_DEFAULTS.stopGraceSeconds), '--stop-grace'),
  };
  const platform: PlatformConfig = {
    dataDir: path.join(root, 'platform'),
    runDir: runRoot,
    listen: Object.freeze(listen),
    publicUrl,
    baseDomain: baseDomain(values['base-domain'] ?? env.TSPAAS_BASE_DOMAIN ?? 'localhost'),
    routerPort: port(values['router-port'] ?? env.TSPAAS_ROUTER_PORT ?? '80', '--router-port'),
    deploy: Object.freeze(deploy),
    maxPushBytes: positive(values['max-push-size'] ?? env.TSPAAS_MAX_PUSH_SIZE ?? String(MAX_PUSH_BYTES), '--max-push-size'),
    logArchiveBytes: archiveSize(values['log-archive-size'] ?? String(1024 ** 2)),
    plans: planTable(values, env, planSpecs),
    auditRetentionDays: positive(values['audit-retention'] ?? env.TSPAAS_AUDIT_RETENTION ?? String(DEFAULT_AUDIT_RETENTION_DAYS), '--audit-retention'),
    trustedProxies: trustedProxies(values['trusted-proxy'], env.TSPAAS_TRUSTED_PROXIES),
  };
  const teamQuota = teamQuotaDefaults(values, env, platform.plans);
  if (teamQuota) platform.teamQuota = teamQuota;
  return {
    engineOnly: values['engine-only'] === true || env.TSPAAS_ENGINE_ONLY === '1',
    platform: Object.freeze(platform),
    databaseUrl: values['database-url'] ?? (env.DATABASE_URL || undefined),
    redisUrl: values['redis-url'] ?? (env.REDIS_URL || undefined),
    redisPrefix: redisPrefix(values['redis-prefix'] ?? env.TSPAAS_REDIS_PREFIX ?? 'tspaas'),
    platformFile: runFiles(runRoot).platformFile,
    adminTokenFile: runFiles(runRoot).adminTokenFile,
  };
}

/** `--log-opt key=value` (repeatable) → the engine's default log options, checked as a container's would be. */
function logOpts(values: string[]): Readonly<Record<string, string>> {
  const asked: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw invalid(`invalid --log-opt "${v}": use key=value, e.g. max-size=10m`);
    asked[v.slice(0, eq)] = v.slice(eq + 1);
  }
  try {
    return Object.freeze(resolveLogConfig({ type: 'k8s-file', config: asked }, DEFAULT_LOG_OPTS).config);
  } catch (err) {
    throw invalid(`invalid --log-opt: ${(err as Error).message}`, err);
  }
}

/** --log-archive-size: a whole conmon record (8 KiB, JSON-escaped) must fit, with room for more. */
function archiveSize(value: string): number {
  const n = positive(value, '--log-archive-size');
  if (n < 65536) throw invalid(`invalid --log-archive-size "${value}": at least 65536 bytes`);
  return n;
}

/** The plans (--plan, else TSPAAS_PLANS, else the defaults) and the default and build plans among them, frozen. */
function planTable(values: PlatformValues, env: Readonly<Record<string, string | undefined>>, specs?: string[]): PlatformConfig['plans'] {
  const given = specs ?? env.TSPAAS_PLANS?.split(/\s+/).filter(Boolean);
  const list = given?.length ? given.map(parsePlanSpec) : DEFAULT_PLANS;
  const plans = plansOf(list, values['default-plan'] ?? env.TSPAAS_DEFAULT_PLAN ?? DEFAULT_PLAN, values['build-plan'] ?? env.TSPAAS_BUILD_PLAN ?? DEFAULT_BUILD_PLAN);
  return Object.freeze({ ...plans, list: Object.freeze(plans.list.map((p) => Object.freeze(p))) as Plan[] });
}

/** Default of --audit-retention: days audit rows are kept. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
/** Issue 17, part 1: the quotas of new teams (--team-quota, else TSPAAS_TEAM_QUOTA); undefined when none is given. */
function teamQuotaDefaults(values: PlatformValues, env: Readonly<Record<string, string | undefined>>, plans: PlatformConfig['plans']): Readonly<QuotaLimits> | undefined {
  const specs = values['team-quota'] ?? env.TSPAAS_TEAM_QUOTA?.split(/\s+/).filter(Boolean) ?? [];
  if (specs.length === 0) return undefined;
  const limits = { ...NO_LIMITS, ...parseQuotaSpecs(specs) } as QuotaLimits;
  const unknown = (limits.plans ?? []).filter((p) => !findPlan(plans, p));
  if (unknown.length) throw invalid(`invalid --team-quota plans: no plan ${unknown.join(', ')} (plans: ${plans.list.map((p) => p.name).join(', ')})`);
  return Object.freeze(limits);
}

/** Default of --max-push-size: 1 GiB (Heroku's repository limit). */
export const MAX_PUSH_BYTES = 1024 ** 3;

/** Deploy tuning defaults (platform/types.ts documents each). */
export const DEPLOY_DEFAULTS: Readonly<DeployTuning> = Object.freeze({
  port: 5000, checkAttempts: 30, checkIntervalMs: 500, checkTimeoutMs: 2000,
  settleMs: 2000, drainMs: 2000, stopGraceSeconds: 10,
});

/** `host:port`, `[v6]:port`, `:port` (every address) or a bare port (127.0.0.1). */
function parseListen(value: string): { host: string; port: number } {
  const bare = /^\d+$/.test(value);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d+)$/.exec(value);
  if (!bare && !m) throw invalid(`invalid --listen "${value}": use host:port, like 127.0.0.1:5080`);
  if (bare) return { host: '127.0.0.1', port: port(value, '--listen') };
  return { host: m![1] || m![2] || '0.0.0.0', port: port(m![3]!, '--listen') };
}

/** http://<listen>, with a wildcard address replaced by loopback (a URL must name a host). */
function defaultPublicUrl(listen: { host: string; port: number }): string {
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '[::1]' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}`;
}

function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`invalid --public-url "${value}": use an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`invalid --public-url "${value}": use an http or https URL`);
  return value.replace(/\/+$/, '');
}


function port(value: string, flag: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 65535)) throw invalid(`invalid ${flag} port "${value}": use 1-65535`);
  return n;
}

function positive(value: string, flag: string): number {
  const n = count(value, flag);
  if (n < 1) throw invalid(`invalid ${flag} "${value}": use a whole number of at least 1`);
  return n;
}

function redisPrefix(value: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) throw invalid(`invalid --redis-prefix "${value}": up to 64 letters, digits, "_", ".", ":" or "-"`);
  return value;
}

function absolute(p: string, flag: string): string {
  if (!p) throw invalid(`${flag} must not be empty`);
  return path.resolve(p);
}

function registryName(value: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+(\/\d{1,2})?$/.test(value)) throw invalid(`invalid --insecure-registry "${value}": use host, host:port or an IPv4 CIDR`);
  return value;
}

/** --trusted-proxy (repeatable), else TSPAAS_TRUSTED_PROXIES (commas or spaces): IPs or CIDRs, frozen. */
function trustedProxies(flags: string[] | undefined, fromEnv: string | undefined): readonly string[] {
  const given = flags ?? (fromEnv ?? '').split(/[\s,]+/).filter(Boolean);
  return Object.freeze(given.map((value) => {
    const parsed = parseProxyAddress(value);
    if (parsed === undefined) throw invalid(`invalid --trusted-proxy "${value}": use an IP address or a CIDR, like 10.0.0.5 or 10.0.0.0/24`);
    return parsed;
  }));
}

/** --registry-mirror (repeatable), else TSPAAS_REGISTRY_MIRRORS (commas or spaces): validated URLs, in order. */
function registryMirrors(flags: string[] | undefined, fromEnv: string | undefined): string[] {
  const given = flags ?? (fromEnv ?? '').split(/[\s,]+/).filter(Boolean);
  return Object.freeze(given.map((url) => parseMirrorUrl(url, '--registry-mirror'))) as string[];
}

function count(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw invalid(`invalid ${flag} "${value}": use a whole number (0 = no limit)`);
  return Number(value);
}

function ifname(name: string, max: number, flag: string): string {
  if (!/^[a-zA-Z0-9_.-]+$/.test(name) || name.length > max) throw invalid(`invalid ${flag} "${name}": up to ${max} letters, digits, "_", "." or "-"`);
  return name;
}

function cgroupPath(p: string): string {
  if (!/^\/[A-Za-z0-9_.\-/]*$/.test(p) || p.split('/').includes('..')) throw invalid(`invalid --cgroup-parent "${p}": use an absolute cgroup path like /tspaas`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

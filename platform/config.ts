/**
 * tspaasd's configuration: parsed once from argv and the environment by
 * platform/main.ts, validated, frozen, and passed down. Flags win over
 * environment variables, which win over the defaults.
 *
 * Layout (all under two roots, so tests run side by side in temp dirs):
 *   <root>/engine          engine state (images, snapshots, containers, volumes)
 *   <run>/engine           engine volatile state (conmon sockets, exit files)
 *   <run>/engine.sock      Engine API socket
 *   <run>/tspaasd.pid      pid file of the running tspaasd
 * The platform's own pieces (Postgres, Redis, git receiver) will add fields here.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { invalid } from '../lib/errors.js';
import type { EngineConfig } from '../runtime/types.js';

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
}

/** Usage text of tspaasd. */
export const USAGE = `Usage: tspaasd [options]

  --root <dir>              data root (TSPAAS_ROOT, default /var/lib/tspaas)
  --run-root <dir>          run root for sockets and pid files (TSPAAS_RUN, default /run/tspaas)
  --runtime <name>          OCI runtime: crun, runc or auto (TSPAAS_RUNTIME, default auto)
  --cgroup-parent <path>    parent cgroup of containers (default /tspaas)
  --socket-group <group>    group that may use the engine socket (TSPAAS_SOCKET_GROUP)
  --seccomp-profile <file>  seccomp profile (default /usr/share/containers/seccomp.json)
  --bridge <name>           bridge of the default network (default tspaas0)
  --bridge-subnet <cidr>    subnet of the default network (TSPAAS_BRIDGE_SUBNET, default 10.77.0.0/16)
  --network-pool <cidr>     pool of /24s for networks created without --subnet (default 10.78.0.0/15)
  --bridge-prefix <prefix>  prefix of user networks' bridges, up to 7 characters (default tsbr-)
  --insecure-registry <host>  registry reached over plain HTTP: host, host:port or CIDR; repeatable
                            (localhost and 127.0.0.0/8 always are)
  --build-memory <bytes>    memory limit of Dockerfile build containers (default 2147483648; 0 = none)
  --build-pids <n>          pids limit of build containers (default 4096; 0 = none)
  --build-timeout <seconds> time limit of one RUN step (default 3600; 0 = none)
  --log-level <level>       fatal, error, warn, info, debug, trace, silent (TSPAAS_LOG_LEVEL, default info)
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
        'insecure-registry': { type: 'string', multiple: true },
        'build-memory': { type: 'string' }, 'build-pids': { type: 'string' }, 'build-timeout': { type: 'string' },
        'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
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
  const config: DaemonConfig = {
    root,
    runRoot,
    engine: Object.freeze({
      root: path.join(root, 'engine'),
      runRoot: path.join(runRoot, 'engine'),
      runtime: oneOf(values.runtime ?? env.TSPAAS_RUNTIME ?? 'auto', RUNTIMES, '--runtime'),
      cgroupParent: cgroupPath(values['cgroup-parent'] ?? '/tspaas'),
      seccompProfile: values['seccomp-profile'] ?? '/usr/share/containers/seccomp.json',
      network: Object.freeze({
        bridge: ifname(values.bridge ?? 'tspaas0', 15, '--bridge'),
        subnet: values['bridge-subnet'] ?? env.TSPAAS_BRIDGE_SUBNET ?? '10.77.0.0/16',
        pool: values['network-pool'] ?? '10.78.0.0/15',
        bridgePrefix: ifname(values['bridge-prefix'] ?? 'tsbr-', 7, '--bridge-prefix'),
        cniPath: ['/usr/lib/cni', '/opt/cni/bin'],
        resolvConf: '/etc/resolv.conf',
      }),
      insecureRegistries: Object.freeze((values['insecure-registry'] ?? []).map(registryName)) as string[],
      build: Object.freeze({
        memory: count(values['build-memory'] ?? String(2 * 1024 ** 3), '--build-memory'),
        pidsLimit: count(values['build-pids'] ?? '4096', '--build-pids'),
        timeoutSeconds: count(values['build-timeout'] ?? '3600', '--build-timeout'),
      }),
    }),
    socketPath: path.join(runRoot, 'engine.sock'),
    socketGroup: values['socket-group'] ?? (env.TSPAAS_SOCKET_GROUP || undefined),
    pidFile: path.join(runRoot, 'tspaasd.pid'),
    logLevel: oneOf(values['log-level'] ?? env.TSPAAS_LOG_LEVEL ?? 'info', LOG_LEVELS, '--log-level'),
    version,
  };
  return { kind: 'run', config: Object.freeze(config) };
}

function absolute(p: string, flag: string): string {
  if (!p) throw invalid(`${flag} must not be empty`);
  return path.resolve(p);
}

function registryName(value: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+(\/\d{1,2})?$/.test(value)) throw invalid(`invalid --insecure-registry "${value}": use host, host:port or an IPv4 CIDR`);
  return value;
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

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const found = allowed.find((a) => a === value);
  if (!found) throw invalid(`invalid ${flag} "${value}": use one of ${allowed.join(', ')}`);
  return found;
}

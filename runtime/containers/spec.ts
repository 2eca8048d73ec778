/**
 * The OCI runtime spec (a bundle's config.json) of a container.
 *
 * `buildSpec` is a pure function of its input: everything it needs from the
 * host or the rootfs (the resolved user, the engine's limits, the seccomp
 * profile) is gathered first by `specInputFor`. The defaults are Docker's,
 * or stricter:
 * - Docker's default capability set minus CAP_MKNOD; `capAdd`/`capDrop` (with "ALL") as
 *   Docker applies them (capabilities.ts); privileged = every capability the engine holds.
 * - no-new-privileges and the seccomp profile resolved for the container's
 *   capabilities, both as `securityOpt` says (security-opts.ts), Docker's masked and read-only /proc and /sys paths, a
 *   device cgroup that denies everything but the standard character devices.
 * - RLIMIT_NOFILE = min(1048576, the engine's hard limit), since a limit
 *   above it needs CAP_SYS_RESOURCE, which the engine may not hold.
 * - memory limit with swap = limit (no escape into swap), CPU quota over a
 *   100 ms period, CPU weight (`cpu.shares`, see resources.ts), pids limit; all in the explicit cgroup
 *   `<cgroupParent>/<id>`.
 * The root is `rootfs` (relative to the bundle): the caller mounts the
 * container's snapshot at `bundle/rootfs` before starting it.
 */
import type { ContainerRecord, CreateOptions, MountSpec } from './types.js';
import type { ResolvedUser } from './user.js';
import type { IdMapping } from '../archive/owners.js';
import { resolveUser } from './user.js';
import { loadSeccompProfile, resolveSeccomp, DEFAULT_SECCOMP_PROFILE, type OciSeccomp, type SeccompProfile } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';
import { detectCgroups, type CgroupLayout } from './cgroups.js';
import { readHostLimits, type HostLimits } from '../host.js';
import { CPU_PERIOD, MIN_MEMORY, ociLimits, type OciLimits } from './limits.js';
import { mergeEnv } from './env.js';
import { invalid } from '../../lib/errors.js';
import { capsFromMask, resolveCapabilities } from './capabilities.js';

export interface OciMount { destination: string; type: string; source: string; options: string[] }
export interface OciDeviceRule { allow: boolean; type?: 'a' | 'c' | 'b'; major?: number; minor?: number; access: string }
export interface OciDevice { path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number }
export interface OciCapabilities { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] }

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: { type: string; soft: number; hard: number }[];
  noNewPrivileges: boolean;
  oomScoreAdj: number;
  /** Issue 16 (host-spec.ts): the terminal's initial size. */
  consoleSize?: { height: number; width: number };
}

/** The subset of the OCI runtime spec 1.0.2 that tspaas writes. */
export interface OciSpec {
  /** Runtime-specific settings (e.g. crun's precompiled seccomp filter). */
  annotations?: Record<string, string>;
  ociVersion: '1.0.2';
  process: OciProcess;
  root: { path: string; readonly: boolean };
  /** Absent with the host's UTS namespace (issue 16, host-spec.ts). */
  hostname?: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    /** Devices, plus the limits of limits.ts (issue 16). */
    resources: OciLimits & { devices: OciDeviceRule[] };
    devices: OciDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
    /** Issue 16: namespaced sysctls (host-spec.ts). */
    sysctl?: Record<string, string>;
    /** Issue 13 part 2: a user namespace's maps (with a `user` namespace). */
    uidMappings?: OciIdMapping[];
    gidMappings?: OciIdMapping[];
  };
}

/** One line of a user namespace's map, as the OCI spec names it. */
export interface OciIdMapping { containerID: number; hostID: number; size: number }

/** Facts of the engine process that bound what a container may get (see host.ts). */
export interface SpecHost {
  nofileHard: number;
  /** Capabilities the engine holds (its bounding set), CAP_-prefixed. */
  caps: readonly string[];
  /** Go architecture and kernel release for seccomp; default: this host's. */
  arch?: string;
  kernel?: string;
}

/** Everything `buildSpec` needs. */
export interface SpecInput {
  /** Container ID; last element of the cgroup path. */
  id: string;
  /** The resolved process (image config merged with the create options). */
  config: ContainerRecord['config'];
  options: CreateOptions;
  /** The identity of the process (`resolveUser` against the container's rootfs). */
  user: ResolvedUser;
  /** Parent cgroup, e.g. "/tspaas". */
  cgroupParent: string;
  /** Parsed profile; null = unconfined. Ignored (unconfined) for privileged containers. */
  seccompProfile: SeccompProfile | null;
  host: SpecHost;
  /** Host files bind-mounted onto /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles?: { hosts?: string; hostname?: string; resolvConf?: string };
  /** Join this network namespace (e.g. one set up by CNI) instead of the networkMode default. */
  netnsPath?: string;
  /** Give the container its own cgroup namespace (Docker's default on cgroup v2). */
  cgroupNamespace?: boolean;
}


export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's masked paths (plus /proc/interrupts, as Docker 28 masks it). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const NOFILE_MAX = 1048576;

/** Device nodes created in every container's /dev, and allowed by its device cgroup. */
const STANDARD_DEVICES: [path: string, major: number, minor: number][] = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7],
  ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
];
/** Deny all, then the standard devices, the console, /dev/ptmx and the pty slaves. */
const DEVICE_RULES: OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  ...STANDARD_DEVICES.map(([, major, minor]): OciDeviceRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
];

/** The init of `init: true` containers on the host (Debian's catatonit) and where it appears inside. */
export const INIT_BINARY = '/usr/bin/catatonit';
const INIT_PATH = '/dev/init';

/** Generate the OCI runtime spec of a container (see the file comment). */
export function buildSpec(input: SpecInput): OciSpec {
  const { config, options } = input;
  const privileged = options.privileged === true;
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw invalid('no command specified');
  const process = buildProcess({
    args: options.init ? [INIT_PATH, '--', ...args] : args,
    env: [...(config.Env ?? []), ...(options.env ?? [])],
    cwd: config.WorkingDir || '/',
    tty: config.Tty,
    hostname: config.Hostname,
    user: input.user,
    capAdd: options.capAdd,
    capDrop: options.capDrop,
    privileged,
    host: input.host,
    noNewPrivileges: parseSecurityOpts(options.securityOpt).noNewPrivileges,
  });
  const seccomp = privileged || !input.seccompProfile ? undefined
    : resolveSeccomp(input.seccompProfile, { caps: process.capabilities.bounding, arch: input.host.arch, kernel: input.host.kernel });
  return {
    ociVersion: '1.0.2',
    process,
    root: { path: 'rootfs', readonly: options.readOnlyRootfs === true },
    hostname: config.Hostname,
    mounts: buildMounts(options, input.etcFiles ?? {}, privileged),
    linux: {
      namespaces: buildNamespaces(options, input.netnsPath, input.cgroupNamespace === true),
      cgroupsPath: `${input.cgroupParent.replace(/\/+$/, '')}/${input.id}`,
      resources: buildResources(options, privileged),
      devices: STANDARD_DEVICES.map(([path, major, minor]) => ({ path, type: 'c', major, minor, fileMode: 0o666, uid: 0, gid: 0 })),
      maskedPaths: privileged ? [] : [...MASKED_PATHS],
      readonlyPaths: privileged ? [] : [...READONLY_PATHS],
      ...(seccomp ? { seccomp } : {}),
      ...usernsSpec(options),
    },
  };
}

/** Issue 13 part 2: the maps of a container with its own user namespace (the namespace itself is in buildNamespaces). */
function usernsSpec(options: CreateOptions): Pick<OciSpec['linux'], 'uidMappings' | 'gidMappings'> {
  if (typeof options.userns !== 'object') return {};
  const oci = (m: IdMapping[]) => m.map((r) => ({ containerID: r.containerId, hostID: r.hostId, size: r.size }));
  return { uidMappings: oci(options.userns.uidMap), gidMappings: oci(options.userns.gidMap) };
}

/** What a process (the container's, or an exec's) is made of. */
export interface ProcessInput {
  args: string[];
  /** Image env then option env; later entries win. */
  env: string[];
  cwd: string;
  tty: boolean;
  hostname: string;
  user: ResolvedUser;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  host: SpecHost;
  /** Default true (see security-opts.ts). */
  noNewPrivileges?: boolean;
}

/** The OCI `process` object; also what `runtime exec --process` takes. */
export function buildProcess(p: ProcessInput): OciProcess {
  const caps = resolveCapabilities(p);
  const nofile = Math.min(NOFILE_MAX, p.host.nofileHard);
  const user = { uid: p.user.uid, gid: p.user.gid, ...(p.user.additionalGids.length ? { additionalGids: [...p.user.additionalGids] } : {}) };
  return {
    terminal: p.tty,
    user,
    args: [...p.args],
    env: processEnv(p),
    cwd: p.cwd,
    capabilities: { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile }],
    noNewPrivileges: p.noNewPrivileges ?? true,
    oomScoreAdj: 0,
  };
}

/** PATH (default), HOSTNAME, TERM (with a tty), then the given env (later wins), then HOME if still unset. */
function processEnv(p: ProcessInput): string[] {
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${p.hostname}`, ...(p.tty ? ['TERM=xterm'] : [])], p.env);
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${p.user.home}`];
}



function buildNamespaces(options: CreateOptions, netnsPath: string | undefined, cgroupNs: boolean): OciSpec['linux']['namespaces'] {
  const ns: OciSpec['linux']['namespaces'] = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }];
  if (netnsPath) ns.push({ type: 'network', path: netnsPath });
  else if (options.networkMode !== 'host') ns.push({ type: 'network' });
  if (cgroupNs) ns.push({ type: 'cgroup' });
  if (typeof options.userns === 'object') ns.push({ type: 'user' }); // issue 13 part 2
  return ns;
}

/** Kernel file systems first, then /etc files, then the user's mounts (parents before children); a user mount replaces a default at the same place. */
function buildMounts(options: CreateOptions, etc: NonNullable<SpecInput['etcFiles']>, privileged: boolean): OciMount[] {
  const ro = privileged ? [] : ['ro'];
  const defaults: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...ro] },
  ];
  const etcFiles: [string, string | undefined][] = [['/etc/hosts', etc.hosts], ['/etc/hostname', etc.hostname], ['/etc/resolv.conf', etc.resolvConf]];
  const etcMounts = etcFiles.flatMap(([destination, source]) => (source ? [bindMount(source, destination, false)] : []));
  if (options.init) etcMounts.push(bindMount(INIT_BINARY, INIT_PATH, true));
  const user = [...(options.mounts ?? [])]
    .sort((a, b) => depth(a.target) - depth(b.target))
    .map(userMount);
  const taken = new Set(user.map((m) => m.destination));
  return [...defaults, ...etcMounts].filter((m) => !taken.has(m.destination)).concat(user);
}

function userMount(m: MountSpec): OciMount {
  if (!m.target.startsWith('/') || normalize(m.target) === '/') throw invalid(`invalid mount target "${m.target}"`);
  const destination = normalize(m.target);
  if (m.type !== 'tmpfs') {
    if (!m.source.startsWith('/')) throw invalid(`mount source "${m.source}" must be an absolute host path`);
    return bindMount(m.source, destination, m.readOnly);
  }
  const opts = m.options ?? [];
  const base = ['nosuid', 'nodev', ...(opts.includes('exec') ? [] : ['noexec'])];
  const mode = opts.some((o) => o.startsWith('mode=')) ? [] : ['mode=1777'];
  return { destination, type: 'tmpfs', source: 'tmpfs', options: [...base, ...mode, ...opts.filter((o) => o !== 'exec'), ...(m.readOnly ? ['ro'] : [])] };
}

function bindMount(source: string, destination: string, readOnly: boolean): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

function normalize(p: string): string {
  return '/' + p.split('/').filter((s) => s && s !== '.').join('/');
}

function depth(p: string): number {
  return normalize(p).split('/').length;
}

function buildResources(options: CreateOptions, privileged: boolean): OciSpec['linux']['resources'] {
  const devices = privileged ? [{ allow: true, access: 'rwm' }] : DEVICE_RULES.map((d) => ({ ...d }));
  if ((options.memory ?? 0) > 0 && options.memory! < MIN_MEMORY) throw invalid('minimum memory limit allowed is 6MB');
  const nanoCpus = options.nanoCpus ?? 0;
  if (nanoCpus > 0 && Math.round((nanoCpus * CPU_PERIOD) / 1e9) < 1000) throw invalid('the CPU limit must be at least 0.01 CPUs');
  return { devices, ...ociLimits(options) }; // memory, CPU (part 4's shares too), pids: limits.ts (issue 16)
}

/** Where `specInputFor` finds what it gathers. */
export interface SpecContext {
  /** Host path of the container's mounted rootfs (read for /etc/passwd and /etc/group). */
  rootfs: string;
  cgroupParent: string;
  /** Profile path; "" = the default (the shipped seccomp/default.json). */
  seccompProfile: string;
  etcFiles?: SpecInput['etcFiles'];
  netnsPath?: string;
  /** Host facts read once by the engine (they do not change while it runs); read here when absent. */
  hostLimits?: HostLimits;
  cgroupLayout?: CgroupLayout;
}

/** Gather a `SpecInput` for a container record: resolve its user, read the engine's limits, load the seccomp profile. */
export async function specInputFor(record: Pick<ContainerRecord, 'id' | 'config' | 'options'>, ctx: SpecContext): Promise<SpecInput> {
  const [user, limits, layout] = await Promise.all([
    resolveUser(ctx.rootfs, record.config.User), ctx.hostLimits ?? readHostLimits(), ctx.cgroupLayout ?? detectCgroups(),
  ]);
  const seccompProfile = await seccompProfileFor(record.options, ctx.seccompProfile);
  return {
    id: record.id,
    config: record.config,
    options: record.options,
    user,
    cgroupParent: ctx.cgroupParent,
    seccompProfile,
    host: { nofileHard: limits.nofileHard, caps: capsFromMask(limits.capBoundingMask) },
    etcFiles: ctx.etcFiles,
    netnsPath: ctx.netnsPath,
    cgroupNamespace: layout.mode === 'v2',
  };
}

/** The container's profile: none when privileged or `seccomp=unconfined`, its own from `securityOpt`, else the engine's. */
async function seccompProfileFor(options: CreateOptions, engineProfile: string): Promise<SeccompProfile | null> {
  if (options.privileged) return null;
  const chosen = parseSecurityOpts(options.securityOpt).seccomp;
  return chosen === 'default' ? loadSeccompProfile(engineProfile || DEFAULT_SECCOMP_PROFILE) : chosen;
}

/**
 * The create options of issue 16 scope 1 checked and resolved at create, with
 * Docker's rules and messages: namespace modes (`--pid`, `--ipc`, `--uts`),
 * `--ulimit`, `--shm-size`, `--sysctl`, `--device`, `--device-cgroup-rule`,
 * `--volumes-from`, `--isolation`, `--oom-score-adj`, `--volume-driver`.
 * What needs the running container (its rootfs, the other containers' PIDs)
 * is gathered at start by host-spec.ts.
 *
 * Host modes (`--pid host`, `--ipc host`, `--uts host`) are for the Engine
 * API's direct users, who own the host anyway; the platform never sets them.
 */
import { promises as fsp } from 'node:fs';
import { invalid } from '../../lib/errors.js';
import type { Container, CreateOptions, MountSpec } from './types.js';

/** Docker's ulimit names (go-units), each the lower-case RLIMIT_ suffix. */
export const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** Sysctls Docker lets a container set: its own namespaces' (moby opts.ValidateSysctl). */
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];

/** moby's device cgroup rule syntax: `type major:minor access`. */
const DEVICE_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** The "container:<ref>" part of a namespace mode, or undefined. */
export function containerOfMode(mode: string | undefined): string | undefined {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/** Check the options above and copy `volumesFrom`'s mounts in; `find` resolves a container reference (NotFound). */
export async function resolveHostOptions(o: CreateOptions, find: (ref: string) => Container, hardLimits: Record<string, number>): Promise<CreateOptions> {
  checkNamespaceModes(o, find);
  checkSysctls(o);
  checkUlimits(o.ulimits ?? [], hardLimits);
  for (const rule of o.deviceCgroupRules ?? []) if (!DEVICE_RULE.test(rule)) throw invalid(`invalid device cgroup format '${rule}'`);
  for (const d of o.devices ?? []) await checkDevice(d);
  if (o.isolation && o.isolation !== 'default') throw invalid(`invalid isolation '${o.isolation}' on linux: only "default" exists`);
  if ((o.shmSize ?? 0) < 0) throw invalid('SHM size can not be less than 0');
  checkOomScoreAdj(o.oomScoreAdj ?? 0);
  const mounts = volumesFromMounts(o.volumesFrom ?? [], o.mounts ?? [], find);
  checkVolumeDriver(o.volumeDriver, mounts);
  return o.volumesFrom?.length ? { ...o, mounts } : o;
}

function checkNamespaceModes(o: CreateOptions, find: (ref: string) => Container): void {
  const checks: [string, string | undefined, string[]][] = [
    ['PID', o.pidMode, ['host']],
    ['IPC', o.ipcMode, ['host', 'private', 'shareable', 'none']],
    ['UTS', o.utsMode, ['host']],
  ];
  for (const [what, mode, named] of checks) {
    if (!mode || named.includes(mode)) continue;
    const ref = what === 'UTS' ? undefined : containerOfMode(mode);
    if (!ref) throw invalid(`invalid ${what} mode: ${mode}`);
    find(ref); // NotFound now rather than at start, as dockerd checks at create
  }
  if (o.utsMode === 'host' && o.hostname) throw invalid('conflicting options: hostname and the UTS mode');
}

function checkSysctls(o: CreateOptions): void {
  for (const key of Object.keys(o.sysctls ?? {})) {
    const net = key.startsWith('net.');
    const ipc = IPC_SYSCTLS.includes(key) || key.startsWith('fs.mqueue.');
    if (!net && !ipc) throw invalid(`sysctl '${key}' is not allowed: only namespaced sysctls (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) can be set`);
    if (net && o.networkMode === 'host') throw invalid(`sysctl '${key}' is not allowed in the host's network namespace (--network host)`);
    if (ipc && (o.ipcMode === 'host' || containerOfMode(o.ipcMode))) throw invalid(`sysctl '${key}' is not allowed with a shared IPC namespace (--ipc ${o.ipcMode})`);
  }
}

function checkUlimits(ulimits: NonNullable<CreateOptions['ulimits']>, hard: Record<string, number>): void {
  const seen = new Set<string>();
  for (const u of ulimits) {
    if (!ULIMIT_NAMES.includes(u.name)) throw invalid(`invalid ulimit type: ${u.name}`);
    if (seen.has(u.name)) throw invalid(`duplicate ulimit: ${u.name}`);
    seen.add(u.name);
    if (!Number.isSafeInteger(u.soft) || !Number.isSafeInteger(u.hard) || u.soft < 0 || u.hard < 0) throw invalid(`invalid ulimit ${u.name}=${u.soft}:${u.hard}: limits are whole numbers (no "unlimited")`);
    if (u.soft > u.hard) throw invalid(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
    const max = hard[u.name] ?? Infinity;
    if (u.hard > max) throw invalid(`ulimit ${u.name}=${u.soft}:${u.hard} is above the engine's own hard limit ${max}: raising it needs CAP_SYS_RESOURCE, which the engine does not hold`);
  }
}

async function checkDevice(d: NonNullable<CreateOptions['devices']>[number]): Promise<void> {
  if (!d.pathOnHost.startsWith('/') || !d.pathInContainer.startsWith('/')) throw invalid(`invalid device ${d.pathOnHost}:${d.pathInContainer}: paths must be absolute`);
  if (!/^[rwm]{1,3}$/.test(d.cgroupPermissions)) throw invalid(`invalid device mode: ${d.cgroupPermissions}`);
  const st = await fsp.stat(d.pathOnHost).catch((err: unknown) => {
    throw invalid(`error gathering device information while adding custom device "${d.pathOnHost}": ${(err as Error).message}`, err);
  });
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalid(`error gathering device information while adding custom device "${d.pathOnHost}": not a device node (name each device of a directory)`);
}

function checkOomScoreAdj(v: number): void {
  if (!Number.isInteger(v) || v < -1000 || v > 1000) throw invalid(`invalid value ${v}, range for oom score adj is [-1000, 1000]`);
  if (v < 0) throw invalid(`oom score adj ${v}: lowering it needs CAP_SYS_RESOURCE, which the engine does not hold (0 to 1000 are allowed)`);
}

/** dockerd looks the driver up when it creates a volume; with no volume there is nothing to look up. */
function checkVolumeDriver(driver: string | undefined, mounts: MountSpec[]): void {
  if (!driver || driver === 'local') return;
  if (mounts.some((m) => m.type === 'volume')) throw invalid(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
}

/**
 * `--volumes-from c[:ro|:rw]`: the volumes and binds of `c` at the same
 * places (tmpfs mounts are `c`'s own), read-only as `c` has them unless the
 * suffix says; the container's own mounts win at the same target.
 */
export function volumesFromMounts(from: string[], own: MountSpec[], find: (ref: string) => Container): MountSpec[] {
  const taken = new Set(own.map((m) => m.target));
  const out = [...own];
  for (const spec of from) {
    const [ref = '', mode, extra] = spec.split(':');
    if (!ref || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) throw invalid(`invalid volumes-from ${spec}: use container[:ro|:rw]`);
    for (const m of find(ref).record.options.mounts ?? []) {
      if (m.type === 'tmpfs' || taken.has(m.target)) continue;
      taken.add(m.target);
      out.push({ ...m, readOnly: mode === undefined ? m.readOnly : mode === 'ro' });
    }
  }
  return out;
}

/** The engine's own hard rlimits by Docker's names, from /proc/self/limits ("unlimited" = Infinity). */
export async function readHardLimits(): Promise<Record<string, number>> {
  const text = await fsp.readFile('/proc/self/limits', 'utf8');
  const rows: Record<string, string> = {
    'Max cpu time': 'cpu', 'Max file size': 'fsize', 'Max data size': 'data', 'Max stack size': 'stack',
    'Max core file size': 'core', 'Max resident set': 'rss', 'Max processes': 'nproc', 'Max open files': 'nofile',
    'Max locked memory': 'memlock', 'Max file locks': 'locks', 'Max pending signals': 'sigpending',
    'Max msgqueue size': 'msgqueue', 'Max nice priority': 'nice', 'Max realtime priority': 'rtprio', 'Max realtime timeout': 'rttime',
  };
  const out: Record<string, number> = {};
  for (const [label, name] of Object.entries(rows)) {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(text);
    if (m) out[name] = m[2] === 'unlimited' ? Infinity : Number(m[2]);
  }
  return out;
}

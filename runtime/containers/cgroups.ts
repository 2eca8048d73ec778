/**
 * Host cgroups: which hierarchy the host uses, and reading a container's
 * accounting from its cgroup (for `stats`, `top` and OOM detection).
 *
 * Modes (as systemd names them):
 * - `v1`: only legacy per-controller hierarchies (/sys/fs/cgroup/<ctrl>).
 * - `hybrid`: v1 controllers plus an (ideally empty) cgroup2 tree at
 *   /sys/fs/cgroup/unified. Runtimes put containers in the v1 controllers.
 *   crun 1.8 refuses to run ("cgroups in hybrid mode") when that cgroup2
 *   tree still owns controllers; see `canRunCrun` and host.ts.
 * - `v2`: the unified cgroup2 hierarchy mounted at /sys/fs/cgroup.
 *
 * A container's cgroup is given by its OCI `cgroupsPath` (always explicit,
 * e.g. "/tspaas/<id>"); on v1 it is that path under each controller's mount,
 * on v2 under the cgroup2 mount. The runtime creates and deletes it, so any
 * reader here throws `NotFound` once the container is gone.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno, notFound, unavailable } from '../../lib/errors.js';
import type { StatsSample } from './types.js';

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** Where the hierarchies are mounted. */
export interface CgroupLayout {
  mode: CgroupMode;
  /** Mount point of the cgroup2 hierarchy (the unified one on v2; /sys/fs/cgroup/unified on hybrid), if any. */
  unified: string | null;
  /** v1 controller (or `name=systemd`) → mount point. Empty on v2. */
  v1: Record<string, string>;
}

/** Accounting of one container, read from its cgroup. */
export interface CgroupStats {
  /** Cumulative CPU time in nanoseconds. */
  cpuTotalNs: number;
  /** Bytes in use minus the inactive page cache (what `docker stats` shows). */
  memoryUsage: number;
  /** Bytes; the host's memory size when the cgroup has no limit. */
  memoryLimit: number;
  pids: number;
  /** 0 when there is no limit. */
  pidsLimit: number;
}

const V1_NON_CONTROLLERS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);
/** The kernel's USER_HZ, which /proc/stat counts in; 100 on every Linux ABI. */
const USER_HZ = 100;

/** Parse /proc/self/mountinfo text into the host's cgroup layout. */
export function parseCgroupMounts(mountinfo: string): CgroupLayout {
  const v1: Record<string, string> = {};
  let unified: string | null = null;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = unescapeMount(line.slice(0, sep).split(' ')[4] ?? '');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype === 'cgroup2') unified ??= mountPoint;
    if (fstype !== 'cgroup') continue;
    for (const opt of superOpts.split(',')) {
      if (V1_NON_CONTROLLERS.has(opt) || opt.startsWith('release_agent=')) continue;
      v1[opt] ??= mountPoint;
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  if (!hasV1 && !unified) throw unavailable('no cgroup hierarchy is mounted');
  const mode: CgroupMode = !hasV1 ? 'v2' : unified ? 'hybrid' : 'v1';
  return { mode, unified, v1 };
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Read this host's cgroup layout from /proc/self/mountinfo. */
export async function detectCgroups(): Promise<CgroupLayout> {
  return parseCgroupMounts(await fsp.readFile('/proc/self/mountinfo', 'utf8'));
}

/** Controllers the cgroup2 tree of a hybrid host still owns (empty when none or not hybrid). */
export async function hybridUnifiedControllers(layout?: CgroupLayout): Promise<string[]> {
  const l = layout ?? await detectCgroups();
  if (l.mode !== 'hybrid' || !l.unified) return [];
  const text = await readOrNull(path.join(l.unified, 'cgroup.controllers'));
  return (text ?? '').split(/\s+/).filter(Boolean);
}

/** False on a hybrid host whose cgroup2 tree owns controllers: crun 1.8 refuses "cgroups in hybrid mode" there. */
export async function canRunCrun(layout?: CgroupLayout): Promise<boolean> {
  return (await hybridUnifiedControllers(layout)).length === 0;
}

/**
 * Every directory that makes up the cgroup at `cgroupsPath`: one per v1
 * hierarchy, plus the cgroup2 one (runtimes also create it on hybrid hosts).
 */
export async function cgroupDirs(cgroupsPath: string, layout?: CgroupLayout): Promise<string[]> {
  const l = layout ?? await detectCgroups();
  const mounts = [...new Set(Object.values(l.v1))];
  if (l.unified) mounts.push(l.unified);
  return mounts.map((m) => path.join(m, cgroupsPath));
}

/** CPU, memory and pids accounting of the cgroup at `cgroupsPath`; `NotFound` when it does not exist. */
export async function readStats(cgroupsPath: string): Promise<CgroupStats> {
  const layout = await detectCgroups();
  const memTotal = await hostMemoryBytes();
  if (layout.mode === 'v2') return readStatsV2(path.join(layout.unified!, cgroupsPath), memTotal);
  const dir = (ctrl: string) => path.join(v1Mount(layout, ctrl), cgroupsPath);
  const memStat = parseKeyed(await readCg(dir('memory'), 'memory.stat'));
  const usage = Number(await readCg(dir('memory'), 'memory.usage_in_bytes'));
  const limit = Number(await readCg(dir('memory'), 'memory.limit_in_bytes'));
  return {
    cpuTotalNs: Number(await readCg(dir('cpuacct'), 'cpuacct.usage')),
    memoryUsage: Math.max(0, usage - (memStat.total_inactive_file ?? 0)),
    memoryLimit: Math.min(limit, memTotal),
    pids: Number(await readCg(dir('pids'), 'pids.current')),
    pidsLimit: parseMax(await readCg(dir('pids'), 'pids.max')),
  };
}

async function readStatsV2(dir: string, memTotal: number): Promise<CgroupStats> {
  const cpu = parseKeyed(await readCg(dir, 'cpu.stat'));
  const memStat = parseKeyed(await readCg(dir, 'memory.stat'));
  const usage = Number(await readCg(dir, 'memory.current'));
  const limit = parseMax(await readCg(dir, 'memory.max'));
  return {
    cpuTotalNs: (cpu.usage_usec ?? 0) * 1000,
    memoryUsage: Math.max(0, usage - (memStat.inactive_file ?? 0)),
    memoryLimit: limit === 0 ? memTotal : Math.min(limit, memTotal),
    pids: Number(await readCg(dir, 'pids.current')),
    pidsLimit: parseMax(await readCg(dir, 'pids.max')),
  };
}

/** How many times the kernel's OOM killer killed a process of the cgroup; `NotFound` when it does not exist. */
export async function readOomKills(cgroupsPath: string): Promise<number> {
  const layout = await detectCgroups();
  const file = layout.mode === 'v2'
    ? [path.join(layout.unified!, cgroupsPath), 'memory.events']
    : [path.join(v1Mount(layout, 'memory'), cgroupsPath), 'memory.oom_control'];
  return parseKeyed(await readCg(file[0], file[1])).oom_kill ?? 0;
}

/** PIDs (host view) of every process in the cgroup and its descendants, ascending. */
export async function listPids(cgroupsPath: string): Promise<number[]> {
  const layout = await detectCgroups();
  const root = layout.mode === 'v2'
    ? path.join(layout.unified!, cgroupsPath)
    : path.join(v1Mount(layout, layout.v1.pids ? 'pids' : 'memory'), cgroupsPath);
  const pids = new Set<number>();
  await collectPids(root, pids, true);
  return [...pids].sort((a, b) => a - b);
}

async function collectPids(dir: string, into: Set<number>, top: boolean): Promise<void> {
  const text = top ? await readCg(dir, 'cgroup.procs') : await readOrNull(path.join(dir, 'cgroup.procs'));
  for (const s of (text ?? '').split('\n')) if (s.trim()) into.add(Number(s));
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  for (const e of entries) if (e.isDirectory()) await collectPids(path.join(dir, e.name), into, false);
}

/** Cumulative CPU time of the whole host in nanoseconds (first line of /proc/stat), as Docker computes it. */
export async function readSystemCpuNs(): Promise<number> {
  const line = (await fsp.readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw unavailable('/proc/stat has no cpu line');
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((sum, v) => sum + Number(v), 0);
  return ticks * (1e9 / USER_HZ);
}

/** Number of online CPUs (from /sys/devices/system/cpu/online, e.g. "0-3,6"). */
export async function onlineCpus(): Promise<number> {
  const text = (await fsp.readFile('/sys/devices/system/cpu/online', 'utf8')).trim();
  let n = 0;
  for (const range of text.split(',').filter(Boolean)) {
    const [a, b] = range.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

/** One full `stats` sample of the container whose cgroup is `cgroupsPath`. */
export async function sampleStats(cgroupsPath: string): Promise<StatsSample> {
  const [cg, systemCpuNs, cpus] = await Promise.all([readStats(cgroupsPath), readSystemCpuNs(), onlineCpus()]);
  return { read: new Date().toISOString(), systemCpuNs, onlineCpus: cpus, ...cg };
}

/** MemTotal of /proc/meminfo in bytes. */
export async function hostMemoryBytes(): Promise<number> {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(await fsp.readFile('/proc/meminfo', 'utf8'));
  if (!m) throw unavailable('/proc/meminfo has no MemTotal');
  return Number(m[1]) * 1024;
}

function v1Mount(layout: CgroupLayout, controller: string): string {
  const m = layout.v1[controller];
  if (!m) throw unavailable(`the ${controller} cgroup controller is not mounted`);
  return m;
}

/** Read a cgroup file; `NotFound` when the cgroup itself is gone. */
async function readCg(dir: string, file: string): Promise<string> {
  try {
    return await fsp.readFile(path.join(dir, file), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENODEV')) throw notFound(`cgroup ${dir} does not exist`, err);
    throw err;
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** Parse "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
export function parseKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** "max" → 0 (no limit), else the number. */
function parseMax(text: string): number {
  const t = text.trim();
  return t === 'max' ? 0 : Number(t);
}

/**
 * Remove an empty cgroup (and its empty children) from every hierarchy; used
 * for parents nobody needs any more. A cgroup still holding processes stays.
 */
export async function removeCgroupTree(cgroupsPath: string, layout?: CgroupLayout): Promise<void> {
  for (const dir of await cgroupDirs(cgroupsPath, layout)) await rmdirTree(dir);
}

async function rmdirTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(path.join(dir, e.name));
  await fsp.rmdir(dir).catch((err) => { if (!isErrno(err, 'ENOENT') && !isErrno(err, 'EBUSY')) throw err; });
}

/** How many forks the pids limit refused so far (`max` of pids.events); 0 when none or unknown. */
export async function readPidsLimitHits(cgroupsPath: string): Promise<number> {
  const l = await detectCgroups();
  const base = l.mode === 'v2' ? l.unified : l.v1.pids;
  if (!base) return 0;
  const text = await fsp.readFile(path.join(base, cgroupsPath, 'pids.events'), 'utf8').catch(() => '');
  return parseKeyed(text).max ?? 0;
}

/**
 * Lift the pids limit of the cgroup at `cgroupsPath` (write "max" to
 * pids.max): crun 1.8's `update` cannot (it writes -1 as given, which the
 * kernel refuses, and skips 0). `NotFound` when the cgroup is gone.
 */
export async function liftPidsLimit(cgroupsPath: string, layout?: CgroupLayout): Promise<void> {
  const l = layout ?? await detectCgroups();
  const dir = path.join(l.mode === 'v2' ? l.unified! : v1Mount(l, 'pids'), cgroupsPath);
  await readCg(dir, 'pids.max');
  await fsp.writeFile(path.join(dir, 'pids.max'), 'max');
}

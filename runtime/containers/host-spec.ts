/**
 * The OCI spec's share of the options host-options.ts checked at create:
 * gathered at start (`gatherHostFacts`: device numbers, `--group-add` names
 * in the image's /etc/group, the namespaces of the containers joined) and
 * applied to the spec `buildSpec` made (`applyHostOptions`, pure):
 * - `--pid`/`--ipc`/`--uts host` drop the namespace, `container:<x>` joins
 *   x's (`/proc/<pid>/ns/…`; x must be running, and for IPC be shareable or
 *   host, as dockerd requires); `--ipc none` has no /dev/shm. A shareable
 *   container's /dev/shm is a tmpfs the engine mounts on the host side
 *   (`<run>/shm`, as dockerd's `mounts/shm`) while it runs, so that joiners
 *   can bind the same one: a mount inside another container's mount
 *   namespace cannot be bound;
 * - `--shm-size` sizes the /dev/shm tmpfs; `--ulimit` sets rlimits;
 *   `--sysctl` the namespaced sysctls; `--device` makes the node and allows
 *   it in the device cgroup, as `--device-cgroup-rule` allows its rules;
 * - `--group-add`, `--oom-score-adj` and the console size on the process.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { mountAll, isMountPoint, unmount } from '../snapshots/mount.js';
import { conflict, invalid } from '../../lib/errors.js';
import { containerOfMode } from './host-options.js';
import { parseGroup, readFileInRoot } from './user.js';
import type { Container, CreateOptions } from './types.js';
import type { OciDevice, OciDeviceRule, OciSpec } from './spec.js';

/** What the options need from the host and the rootfs at start. */
export interface HostFacts {
  devices: OciDevice[];
  /** `groupAdd` as gids. */
  groups: number[];
  /** Namespace files of the containers joined. */
  pidPath?: string;
  ipcPath?: string;
  /** Host path bound at /dev/shm (a joined or the host's IPC namespace). */
  shmSource?: string;
}

/** Docker's default /dev/shm size. */
const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where a shareable container's /dev/shm is on the host while it runs. */
export function shmDirOf(runDir: string): string {
  return path.join(runDir, 'shm');
}

/** Mount a shareable container's host-side /dev/shm (before its spec is made); nothing for other modes. */
export async function mountShareableShm(o: CreateOptions, runDir: string): Promise<void> {
  if (o.ipcMode !== 'shareable') return;
  const dir = shmDirOf(runDir);
  await fsp.mkdir(dir, { recursive: true });
  if (await isMountPoint(dir)) return;
  await mountAll([{ type: 'tmpfs', source: 'shm', options: ['nosuid', 'nodev', 'noexec', 'mode=1777', `size=${o.shmSize || DEFAULT_SHM_SIZE}`] }], dir);
}

/** Unmount it when the container has exited (or failed to start). */
export async function releaseShareableShm(o: CreateOptions, runDir: string): Promise<void> {
  if (o.ipcMode === 'shareable') await unmount(shmDirOf(runDir), { lazy: true });
}

/** Where `gatherHostFacts` finds the other containers. */
export interface HostLookup {
  /** A container by ID or name (NotFound). */
  find: (ref: string) => Container;
  /** A container's run dir (paths.ts). */
  runDirOf: (id: string) => string;
}

/** Resolve what container `id`'s options name: device numbers, group names (in `rootfs`), containers to join. */
export async function gatherHostFacts(id: string, o: CreateOptions, rootfs: string, lookup: HostLookup): Promise<HostFacts> {
  const facts: HostFacts = { devices: await Promise.all((o.devices ?? []).map(deviceOf)), groups: await groupIds(o.groupAdd ?? [], rootfs) };
  const pidRef = containerOfMode(o.pidMode);
  if (pidRef) facts.pidPath = `/proc/${runningPid(lookup.find(pidRef), pidRef, 'PID')}/ns/pid`;
  const ipcRef = containerOfMode(o.ipcMode);
  if (ipcRef) {
    const donor = lookup.find(ipcRef);
    facts.ipcPath = `/proc/${runningPid(donor, ipcRef, 'IPC')}/ns/ipc`;
    facts.shmSource = donor.record.options.ipcMode === 'host' ? '/dev/shm' : shmDirOf(lookup.runDirOf(donor.record.id));
  }
  if (o.ipcMode === 'host') facts.shmSource = '/dev/shm';
  if (o.ipcMode === 'shareable') facts.shmSource = shmDirOf(lookup.runDirOf(id));
  return facts;
}

function runningPid(c: Container, ref: string, what: 'PID' | 'IPC'): number {
  if (c.state.status !== 'running' || !c.state.pid) throw conflict(`cannot join ${what} of a non running container: ${ref}`);
  const mode = c.record.options.ipcMode;
  if (what === 'IPC' && mode !== 'shareable' && mode !== 'host') throw conflict('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
  return c.state.pid;
}

async function deviceOf(d: NonNullable<CreateOptions['devices']>[number]): Promise<OciDevice> {
  const st = await fsp.stat(d.pathOnHost);
  const type = st.isBlockDevice() ? 'b' : st.isCharacterDevice() ? 'c' : undefined;
  if (!type) throw invalid(`error gathering device information while adding custom device "${d.pathOnHost}": not a device node`);
  const rdev = st.rdev;
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & 0xfff00n));
  return { path: d.pathInContainer, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** runc's rule: a name or number found in /etc/group, else a number used as is. */
async function groupIds(groups: string[], rootfs: string): Promise<number[]> {
  if (groups.length === 0) return [];
  const entries = parseGroup(await readFileInRoot(rootfs, '/etc/group') ?? '');
  return groups.map((g) => {
    const e = entries.find((x) => x.name === g || String(x.gid) === g);
    if (e) return e.gid;
    if (/^\d+$/.test(g) && Number(g) <= 2 ** 31 - 1) return Number(g);
    throw invalid(`Unable to find group ${g}: no matching entries in group file`);
  });
}

/** The spec with the options applied (see the file comment); `privileged` keeps its allow-all device rule. */
export function applyHostOptions(spec: OciSpec, o: CreateOptions, f: HostFacts): OciSpec {
  const process = { ...spec.process, ...processPart(spec.process, o, f) };
  const linux = {
    ...spec.linux,
    namespaces: namespacesOf(spec.linux.namespaces, o, f),
    devices: [...spec.linux.devices.filter((d) => !f.devices.some((x) => x.path === d.path)), ...f.devices],
    resources: { ...spec.linux.resources, devices: [...spec.linux.resources.devices, ...deviceRules(o, f)] },
    ...(o.sysctls && Object.keys(o.sysctls).length ? { sysctl: { ...o.sysctls } } : {}),
  };
  const out: OciSpec = { ...spec, process, linux, mounts: shmMounts(spec.mounts, o, f) };
  if (o.utsMode === 'host') delete out.hostname; // runc and crun refuse a hostname without their own UTS namespace
  return out;
}

function processPart(p: OciSpec['process'], o: CreateOptions, f: HostFacts): Partial<OciSpec['process']> {
  const gids = [...new Set([...(p.user.additionalGids ?? []), ...f.groups])];
  const asked = new Map((o.ulimits ?? []).map((u) => [`RLIMIT_${u.name.toUpperCase()}`, u]));
  const rlimits = [
    ...p.rlimits.filter((r) => !asked.has(r.type)),
    ...[...asked].map(([type, u]) => ({ type, soft: u.soft, hard: u.hard })),
  ];
  const [height = 0, width = 0] = o.consoleSize ?? [];
  return {
    user: { ...p.user, ...(gids.length ? { additionalGids: gids } : {}) },
    rlimits,
    oomScoreAdj: o.oomScoreAdj ?? p.oomScoreAdj,
    ...(p.terminal && height > 0 && width > 0 ? { consoleSize: { height, width } } : {}),
  };
}

function namespacesOf(ns: OciSpec['linux']['namespaces'], o: CreateOptions, f: HostFacts): OciSpec['linux']['namespaces'] {
  const modes: Record<string, { host: boolean; path?: string }> = {
    pid: { host: o.pidMode === 'host', path: f.pidPath },
    ipc: { host: o.ipcMode === 'host', path: f.ipcPath },
    uts: { host: o.utsMode === 'host' },
  };
  return ns.flatMap((n) => {
    const m = modes[n.type];
    if (!m) return [n];
    if (m.host) return [];
    return [m.path ? { type: n.type, path: m.path } : n];
  });
}

function shmMounts(mounts: OciSpec['mounts'], o: CreateOptions, f: HostFacts): OciSpec['mounts'] {
  const isDefaultShm = (m: OciSpec['mounts'][number]) => m.destination === '/dev/shm' && m.source === 'shm';
  if (o.ipcMode === 'none') return mounts.filter((m) => !isDefaultShm(m));
  return mounts.map((m) => {
    if (!isDefaultShm(m)) return m;
    if (f.shmSource) return { destination: '/dev/shm', type: 'bind', source: f.shmSource, options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev'] };
    if (!o.shmSize) return m;
    return { ...m, options: [...m.options.filter((x) => !x.startsWith('size=')), `size=${o.shmSize}`] };
  });
}

function deviceRules(o: CreateOptions, f: HostFacts): OciDeviceRule[] {
  const fromDevices = f.devices.map((d, i): OciDeviceRule => ({
    allow: true, type: d.type, major: d.major, minor: d.minor, access: o.devices?.[i]?.cgroupPermissions ?? 'rwm',
  }));
  const fromRules = (o.deviceCgroupRules ?? []).map((rule): OciDeviceRule => {
    const [type, numbers = '', access = ''] = rule.split(' ');
    const [major, minor] = numbers.split(':');
    return {
      allow: true, type: type as OciDeviceRule['type'], access,
      ...(major !== '*' ? { major: Number(major) } : {}), ...(minor !== '*' ? { minor: Number(minor) } : {}),
    };
  });
  return [...fromDevices, ...fromRules];
}

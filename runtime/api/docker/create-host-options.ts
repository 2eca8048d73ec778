/**
 * Issue 16 scope 1: HostConfig's namespace, group, rlimit, /dev/shm, sysctl,
 * device, volumes-from, isolation, console-size, OOM-score and volume-driver
 * fields → `CreateOptions` (checked by runtime/containers/host-options.ts),
 * and back to inspect's HostConfig.
 */
import { invalid } from '../../../lib/errors.js';
import type { CreateOptions, DeviceMapping, Ulimit } from '../../containers/types.js';
import type { HostConfig, HostConfigRequest } from './types.js';

/** The `CreateOptions` of these fields (undefined for what was not asked). */
export function hostOptionsOf(hc: HostConfigRequest): Partial<CreateOptions> {
  const [height = 0, width = 0] = hc.ConsoleSize ?? [];
  return {
    pidMode: hc.PidMode || undefined,
    ipcMode: hc.IpcMode || undefined,
    utsMode: hc.UTSMode || undefined,
    groupAdd: nonEmpty(hc.GroupAdd?.map(String)),
    ulimits: nonEmpty(hc.Ulimits?.map(ulimit)),
    shmSize: hc.ShmSize || undefined,
    sysctls: hc.Sysctls && Object.keys(hc.Sysctls).length ? { ...hc.Sysctls } : undefined,
    devices: nonEmpty(hc.Devices?.map(device)),
    deviceCgroupRules: nonEmpty(hc.DeviceCgroupRules),
    volumesFrom: nonEmpty(hc.VolumesFrom),
    isolation: hc.Isolation || undefined,
    consoleSize: height > 0 && width > 0 ? [height, width] : undefined,
    oomScoreAdj: hc.OomScoreAdj || undefined,
    volumeDriver: hc.VolumeDriver || undefined,
  };
}

/** These fields as `GET /containers/{id}/json` shows them in HostConfig (Docker's empty values when unset). */
export function hostOptionsJson(o: CreateOptions): Pick<HostConfig, 'PidMode' | 'IpcMode' | 'UTSMode' | 'GroupAdd' | 'Ulimits' | 'ShmSize' | 'Sysctls'
  | 'Devices' | 'DeviceCgroupRules' | 'VolumesFrom' | 'Isolation' | 'ConsoleSize' | 'OomScoreAdj' | 'VolumeDriver'> {
  return {
    PidMode: o.pidMode ?? '',
    IpcMode: o.ipcMode ?? 'private',
    UTSMode: o.utsMode ?? '',
    GroupAdd: o.groupAdd ?? null,
    Ulimits: o.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) ?? null,
    ShmSize: o.shmSize ?? 64 * 1024 * 1024,
    Sysctls: o.sysctls,
    Devices: o.devices?.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })) ?? [],
    DeviceCgroupRules: o.deviceCgroupRules ?? null,
    VolumesFrom: o.volumesFrom ?? null,
    Isolation: o.isolation ?? '',
    ConsoleSize: o.consoleSize ?? [0, 0],
    OomScoreAdj: o.oomScoreAdj ?? 0,
    VolumeDriver: o.volumeDriver ?? '',
  };
}

function ulimit(u: { Name?: string; Soft?: number; Hard?: number }): Ulimit {
  if (!u?.Name) throw invalid('invalid ulimit: a Name is needed (e.g. {"Name": "nofile", "Soft": 1024, "Hard": 2048})');
  return { name: u.Name, soft: u.Soft ?? 0, hard: u.Hard ?? 0 };
}

/** The CLI's `--device /dev/x[:/dev/y][:rwm]` arrives split; PathInContainer defaults to PathOnHost, permissions to rwm. */
function device(d: { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }): DeviceMapping {
  if (!d?.PathOnHost) throw invalid('invalid device: a PathOnHost is needed');
  return { pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer || d.PathOnHost, cgroupPermissions: d.CgroupPermissions || 'rwm' };
}

function nonEmpty<T>(list: T[] | null | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

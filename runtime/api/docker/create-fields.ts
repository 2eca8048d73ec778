/**
 * Nothing accepted and ignored (issue 16 scope 1): every field of API 1.44's
 * container create body (moby v25.0.0 api/types/container/config.go `Config`
 * and hostconfig.go `HostConfig` with its `Resources`) has a rule here.
 *
 * - `implemented`: toCreateOptions turns it into a `CreateOptions` field;
 * - `client`: a hint for the client that dockerd does not act on either
 *   (the CLI writes `--cidfile` itself; Attach* say what the client attaches);
 * - `refused`: a value other than its zero value (null, "", 0, false, [], {};
 *   only null for `nullOnly`) is a 400 naming the field.
 *
 * A field that is in no table (not in API 1.44) is refused the same way when
 * it carries a value. Zero values pass everywhere: the docker CLI sends every
 * HostConfig field, most of them empty (its `MemorySwappiness` is -1), and
 * docker-py sends its unset arguments as null.
 */
import { invalid } from '../../../lib/errors.js';

/** How the engine treats one field of the create body. */
export type FieldRule =
  | { kind: 'implemented' }
  | { kind: 'client' }
  | { kind: 'refused'; why: string; nullOnly?: boolean };

const I: FieldRule = { kind: 'implemented' };
const client: FieldRule = { kind: 'client' };
const refused = (why: string, more: { nullOnly?: boolean } = {}): FieldRule => ({ kind: 'refused', why, ...more });

const WINDOWS = refused('it is a Windows-only setting');
const BLKIO = refused('block I/O limits other than BlkioWeight are not implemented');

/** `Config` (the body's top level, besides HostConfig and NetworkingConfig). */
export const CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  Hostname: I, Domainname: refused('a domain name is not implemented (use --hostname)'), User: I,
  AttachStdin: client, AttachStdout: client, AttachStderr: client,
  ExposedPorts: I, Tty: I, OpenStdin: I, StdinOnce: I, Env: I, Cmd: I,
  Healthcheck: I,
  ArgsEscaped: WINDOWS, Image: I, Volumes: I, WorkingDir: I, Entrypoint: I,
  NetworkDisabled: I,
  // The container-wide MAC of API < 1.44 clients (docker-py 5): the main network's endpoint gets it (container-network.ts).
  MacAddress: I,
  OnBuild: refused('ONBUILD is image metadata, set by a build'),
  Labels: I, StopSignal: I, StopTimeout: I,
  Shell: refused('SHELL is image metadata, set by a build'),
  // Not a field of Config: docker-py 5 copies its `runtime` argument here as well as into HostConfig.Runtime, which is what dockerd reads.
  Runtime: client,
  // Not fields either: dockerode sends the create's query parameters (?name=, ?platform=) in the body too.
  name: client, platform: client,
};

/** `HostConfig` with its embedded `Resources`. */
export const HOST_CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  Binds: I, ContainerIDFile: client, LogConfig: I, NetworkMode: I, PortBindings: I, RestartPolicy: I,
  AutoRemove: I, VolumeDriver: I, VolumesFrom: I, ConsoleSize: I,
  Annotations: refused('the OCI runtime reads some annotations as settings (crun: run.oci.*), which would bypass the engine'),
  CapAdd: I, CapDrop: I,
  CgroupnsMode: refused('the engine chooses the cgroup namespace (a private one on cgroup v2)'),
  Dns: I, DnsOptions: I, DnsSearch: I, ExtraHosts: I, GroupAdd: I, IpcMode: I,
  Cgroup: refused('containers always get their own cgroup'),
  Links: I, OomScoreAdj: I, PidMode: I, Privileged: I, PublishAllPorts: I, ReadonlyRootfs: I,
  SecurityOpt: I, StorageOpt: I, Tmpfs: I, UTSMode: I, UsernsMode: I, ShmSize: I, Sysctls: I,
  Runtime: I,
  Isolation: I, Mounts: I, Init: I,
  // The CLI's `--security-opt systempaths=unconfined` sends [] (unmask everything); null is the default.
  MaskedPaths: refused('the masked /proc and /sys paths cannot be changed (--security-opt systempaths=unconfined)', { nullOnly: true }),
  ReadonlyPaths: refused('the read-only /proc paths cannot be changed (--security-opt systempaths=unconfined)', { nullOnly: true }),
  // Resources
  CpuShares: I, Memory: I, NanoCpus: I,
  CgroupParent: refused("containers stay under the engine's cgroup"),
  BlkioWeight: I, BlkioWeightDevice: BLKIO, BlkioDeviceReadBps: BLKIO, BlkioDeviceWriteBps: BLKIO,
  BlkioDeviceReadIOps: BLKIO, BlkioDeviceWriteIOps: BLKIO,
  CpuPeriod: I, CpuQuota: I,
  CpuRealtimePeriod: refused('real-time CPU scheduling is not implemented'),
  CpuRealtimeRuntime: refused('real-time CPU scheduling is not implemented'),
  CpusetCpus: I, CpusetMems: I,
  Devices: I, DeviceCgroupRules: I,
  DeviceRequests: refused('device requests (GPUs) need a device driver the engine does not have'),
  KernelMemory: refused('kernel memory limits are deprecated (kernel 5.4) and not implemented'),
  KernelMemoryTCP: refused('kernel TCP memory limits are not implemented'),
  MemoryReservation: I, MemorySwap: I,
  MemorySwappiness: I, OomKillDisable: I,
  PidsLimit: I, Ulimits: I,
  CpuCount: WINDOWS, CpuPercent: WINDOWS, IOMaximumIOps: WINDOWS, IOMaximumBandwidth: WINDOWS,
};

/** One entry of `HostConfig.Mounts` (moby v25 api/types/mount `Mount`). */
export const MOUNT_FIELDS: Readonly<Record<string, FieldRule>> = {
  Type: I, Source: I, Target: I, ReadOnly: I, TmpfsOptions: I,
  // Docker Desktop's; dockerd on Linux ignores it too.
  Consistency: client,
  BindOptions: refused('bind options (propagation, non-recursive, create-mountpoint) are not implemented: binds are rprivate and recursive'),
  VolumeOptions: refused('volume options other than Labels and NoCopy (driver, subpath) are not implemented'),
  ClusterOptions: refused('it is a swarm setting'),
};

/** The body's own keys that are not Config fields (checked elsewhere: HostConfig here, NetworkingConfig by container-network.ts). */
const NESTED = new Set(['HostConfig', 'NetworkingConfig']);

/** Refuse (Invalid, naming the field) any field of a create body that is set but neither implemented nor a client hint. */
export function checkCreateFields(body: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(body)) {
    if (!NESTED.has(key)) checkField('Config', key, value, CONFIG_FIELDS[key]);
  }
  const hc = body.HostConfig;
  if (hc && typeof hc === 'object') {
    for (const [key, value] of Object.entries(hc)) checkField('HostConfig', key, value, HOST_CONFIG_FIELDS[key]);
    const mounts: unknown = (hc as { Mounts?: unknown }).Mounts;
    if (Array.isArray(mounts)) mounts.forEach((m: unknown) => checkMountFields(m));
  }
}

function checkMountFields(m: unknown): void {
  if (!m || typeof m !== 'object') return;
  for (const [key, value] of Object.entries(m)) checkField('HostConfig.Mounts[]', key, withoutNoOps(key, value), MOUNT_FIELDS[key]);
}

/**
 * Leave out what passes: options asking for what the engine does anyway
 * (rprivate propagation) and volume Labels and NoCopy, which mounts.ts
 * implements.
 */
function withoutNoOps(key: string, value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (key === 'VolumeOptions') return { ...value, NoCopy: undefined, Labels: undefined }; // implemented (mounts.ts)
  const propagation = (value as { Propagation?: unknown }).Propagation;
  if (key === 'BindOptions' && (propagation === 'private' || propagation === 'rprivate')) return { ...value, Propagation: undefined };
  return value;
}

function checkField(where: string, key: string, value: unknown, rule: FieldRule | undefined): void {
  if (!rule) {
    if (!isZero(value)) throw invalid(`${where}.${key} is not a field of API 1.44's container create body; tspaas refuses it rather than ignore it`);
    return;
  }
  if (rule.kind !== 'refused') return;
  const unset = rule.nullOnly ? value === null || value === undefined : isZero(value);
  if (!unset) throw invalid(`${where}.${key} is not supported by tspaas: ${rule.why}`);
}

/** Go's zero values as JSON shows them; arrays and objects of zero values count (ConsoleSize [0, 0], LogConfig {Type: "", Config: {}}). */
export function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.every(isZero);
  if (typeof v === 'object') return Object.values(v).every(isZero);
  return false;
}

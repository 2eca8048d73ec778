/**
 * The Docker Engine API's request bodies, as the engine reads them (API
 * 1.44); the replies are in types.ts, which re-exports these. Type-only, like
 * types.ts, so the CLI may import them.
 *
 * Every field is optional and most may be `null`: clients send what they
 * have (the docker CLI sends nulls, docker-py leaves fields out, dockerode
 * passes on what its caller gave). Fields not listed here are either refused
 * or are output-only fields clients echo back and the engine ignores (see
 * create-fields.ts for the create body). The parsers in this folder check
 * the values and turn them into the engine's options.
 */
import type { HealthConfig } from '../../images/types.js';

/** A healthcheck on the wire is the image config's (images/types.ts): Test and nanosecond durations. */
export type { HealthConfig };

/** Docker's strslice: a list, or a string meaning a one-element list. */
export type StrSlice = string[] | string | null;

/** One entry of `HostConfig.Mounts`. VolumeOptions: only Labels and NoCopy (the rest is refused by create-fields.ts). */
export interface Mount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  VolumeOptions?: { Labels?: Record<string, string> | null; NoCopy?: boolean } | null;
}

/** The resource fields of `HostConfig` and of `POST /containers/{id}/update` (issue 16). */
export interface Resources {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuShares?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  Runtime?: string;
}

/** Docker's EndpointSettings as clients send it: `NetworkingConfig.EndpointsConfig[name]`, network connect's `EndpointConfig`. */
export interface EndpointConfig {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  Links?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

/** Create's `NetworkingConfig`: the networks to join, by name. */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointConfig | null> | null;
}

/** Create's `HostConfig`. */
export interface HostConfigRequest extends Resources {
  Binds?: string[] | null;
  Mounts?: Mount[] | null;
  Tmpfs?: Record<string, string> | null;
  ReadonlyRootfs?: boolean;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
  AutoRemove?: boolean;
  Init?: boolean | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  /** Part A: seccomp=…, no-new-privileges[=bool]… (runtime/containers/security-opts.ts). */
  SecurityOpt?: string[] | null;
  /** Part 5, storage quota: `--storage-opt size=10G`. */
  StorageOpt?: Record<string, string> | null;
  /** Issue 13 part 2: "" / "host" = the host's user namespace, "auto" = a range from the engine's pool. */
  UsernsMode?: string;
  // log rotation (issue 13 part 3): `--log-driver`, `--log-opt`.
  LogConfig?: { Type?: string; Config?: Record<string, string> | null } | null;
  // ---- networking (container-network.ts) ----
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  PublishAllPorts?: boolean;
  Links?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  ExtraHosts?: string[] | null;
  // ---- issue 16 scope 1: namespaces, groups, rlimits, devices… (create-host-options.ts) ----
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  /** docker-py sends ints as they were given. */
  GroupAdd?: Array<string | number> | null;
  Ulimits?: Array<{ Name?: string; Soft?: number; Hard?: number }> | null;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Devices?: Array<{ PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }> | null;
  DeviceCgroupRules?: string[] | null;
  VolumesFrom?: string[] | null;
  Isolation?: string;
  ConsoleSize?: [number, number] | null;
  OomScoreAdj?: number;
  VolumeDriver?: string;
}

/** `POST /containers/create` (the name comes in `?name=`). */
export interface ContainerCreateRequest {
  Image?: string;
  Cmd?: StrSlice;
  Entrypoint?: StrSlice;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Labels?: Record<string, string> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  /** Client hints (what the client will attach), not acted on, as in dockerd (create-fields.ts). */
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  /** The container-wide MAC address of API < 1.44 clients (the main network's endpoint gets it). */
  MacAddress?: string;
  /** Healthchecks (issue 16): nanosecond durations; the engine validates and merges it with the image's. */
  Healthcheck?: HealthConfig | null;
  /** Issue 16: true = no network at all (as NetworkMode "none"). */
  NetworkDisabled?: boolean;
  HostConfig?: HostConfigRequest | null;
  NetworkingConfig?: NetworkingConfig | null;
  /** Issue 16: docker-py (5.0.3) sends `runtime=` here, not in HostConfig; taken as HostConfig.Runtime. */
  Runtime?: string;
}

/** `POST /containers/{id}/update`: the resources plus a restart policy (an empty Name leaves the policy as it is). */
export interface ContainerUpdateRequest extends Resources {
  RestartPolicy?: HostConfigRequest['RestartPolicy'];
}

/** `POST /containers/{id}/exec`. */
export interface ExecConfig {
  Cmd?: string[] | string | null;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Privileged?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  /** docker-py's spelling (Go's JSON decoding ignores case, so dockerd takes it too). */
  detachKeys?: string;
}

/** `POST /exec/{id}/start`. */
export interface ExecStartConfig {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

/** `POST /networks/create`. Swarm and IPv6 settings are refused, never dropped (network-json.ts). */
export interface NetworkCreateRequest {
  Name?: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv6?: boolean | null;
  CheckDuplicate?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> | null }> | null;
    Options?: Record<string, string> | null;
  } | null;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

/** `POST /networks/{id}/connect` and `/disconnect` (disconnect reads Container and Force). */
export interface NetworkConnectRequest {
  Container?: string;
  EndpointConfig?: EndpointConfig | null;
  Force?: boolean;
}

/** `POST /volumes/create`. */
export interface VolumeCreateOptions {
  Name?: string;
  Driver?: string;
  Labels?: Record<string, string> | null;
  DriverOpts?: Record<string, string> | null;
}

/**
 * The Docker Engine API's wire shapes, as this engine sends them: the JSON
 * bodies of its replies (API 1.44), named as Docker's OpenAPI document names
 * them. The builders in this folder (`*-json.ts`, network-settings.ts,
 * mounts.ts…) return these types; the CLI imports them (*types* only: this
 * file holds no values) instead of declaring its own.
 *
 * Fields are only those the engine really sends, with the values it sends:
 * a field is optional only where the engine sometimes leaves it out, and
 * `null` only where it sends `null`. Docker's spellings are kept as they
 * are, however odd (`Id` beside `ID`, snake_case in stats, `time` beside
 * `Type`); clients (the docker CLI, docker-py, dockerode, Testcontainers)
 * read them byte for byte.
 *
 * Each type names the endpoint that returns it. The request bodies the
 * engine reads are in requests.ts, re-exported here.
 */
import type { HealthConfig } from './requests.js';

export type * from './requests.js';

// ---- pieces shared by several replies ----

/** A port binding on the host: HostIp "" or "0.0.0.0" for every address, HostPort "" for a free port. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** "80/tcp" → its host bindings; `null` for a port exposed but not published. */
export type PortMap = Record<string, PortBinding[] | null>;

/** One entry of `ContainerSummary.Ports`: a published binding, or (without IP and PublicPort) an exposed port. */
export interface Port {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

/** A mount as inspect and list show it (`Mounts`); Name and Driver for volumes only. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Driver?: string;
  Source: string;
  Destination: string;
  /** "ro", or "" for read-write. */
  Mode: string;
  RW: boolean;
  /** "rprivate" for binds, "" otherwise. */
  Propagation: string;
}

/** Storage driver of a container or an image: always overlay, with no data shown. */
export interface GraphDriverData {
  Name: 'overlay';
  Data: null;
}

/**
 * The runnable config: inspect's `Config` of a container
 * (`GET /containers/{id}/json`) and of an image (`GET /images/{name}/json`,
 * with Hostname and Image empty). StopSignal, Healthcheck and Shell only
 * when set; StopTimeout only on a container created with one.
 */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  /** "80/tcp" → {}. */
  ExposedPorts: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  /** Anonymous volumes: mount path → {}. */
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  Shell?: string[];
  /** Seconds `stop` waits before SIGKILL. */
  StopTimeout?: number;
}

// ---- containers ----

/** One probe of a healthcheck (`State.Health.Log`); times in RFC 3339. */
export interface HealthcheckResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** `State.Health`, only for a container with a healthcheck. */
export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthcheckResult[];
}

/** Inspect's `State`. StartedAt and FinishedAt are "0001-01-01T00:00:00Z" until they happen. */
export interface ContainerState {
  Status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

/** Inspect's `HostConfig`: how the container was created, with Docker's empty values for what was not asked. */
export interface HostConfig {
  Binds: string[] | null;
  /** Only when the container has tmpfs mounts: target → options. */
  Tmpfs?: Record<string, string>;
  NetworkMode: string;
  /** As asked: HostPort "" for a free port, unlike the live `NetworkSettings.Ports`. */
  PortBindings: Record<string, PortBinding[]>;
  PublishAllPorts: boolean;
  /** Legacy links, as dockerd stores them: "/name:/me/alias". */
  Links: string[] | null;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  Init: boolean | null;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  SecurityOpt: string[] | null;
  /** "" (the host's), "host", "auto" or "private". */
  UsernsMode: string;
  ReadonlyRootfs: boolean;
  Memory: number;
  NanoCpus: number;
  PidsLimit: number | null;
  StorageOpt: Record<string, string> | null;
  CpuShares: number;
  LogConfig: { Type: string; Config: Record<string, string> };
  /** The OCI runtime: "crun" or "runc". */
  Runtime: string;
  MemorySwap: number;
  MemoryReservation: number;
  MemorySwappiness: number | null;
  OomKillDisable: boolean;
  CpuQuota: number;
  CpuPeriod: number;
  CpusetCpus: string;
  CpusetMems: string;
  BlkioWeight: number;
  /** Always empty: the mounts of `HostConfig.Mounts` are shown in the container's `Mounts`. */
  Mounts: [];
  PidMode: string;
  IpcMode: string;
  UTSMode: string;
  GroupAdd: string[] | null;
  Ulimits: Array<{ Name: string; Soft: number; Hard: number }> | null;
  ShmSize: number;
  /** Absent when none were asked. */
  Sysctls?: Record<string, string>;
  Devices: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  DeviceCgroupRules: string[] | null;
  VolumesFrom: string[] | null;
  Isolation: string;
  ConsoleSize: [number, number];
  OomScoreAdj: number;
  VolumeDriver: string;
}

/** An endpoint's fixed addresses, as asked (`--ip`, `--link-local-ip`). */
export interface EndpointIPAMConfig {
  IPv4Address?: string;
  LinkLocalIPs?: string[];
}

/**
 * A container's place on one network (`NetworkSettings.Networks[name]`):
 * addresses while it runs, empty ones otherwise. DNSNames only on a running
 * container's user-defined network.
 */
export interface EndpointSettings {
  IPAMConfig: EndpointIPAMConfig | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/**
 * Inspect's `NetworkSettings`. The top-level address fields are those of
 * the default network `bridge` (empty on others); the engine has no IPv6 and
 * no secondary addresses.
 */
export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  /** The live bindings while running; {} otherwise. */
  Ports: PortMap;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

/** `GET /containers/{id}/json`. */
export interface ContainerInspectResponse {
  Id: string;
  /** RFC 3339. */
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  /** The image ID (sha256:…). */
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  /** With Docker's leading "/". */
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: null;
  HostConfig: HostConfig;
  GraphDriver: GraphDriverData;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

/** One entry of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  /** With Docker's leading "/". */
  Names: string[];
  /** The image as the user named it. */
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: Port[];
  Labels: Record<string, string>;
  State: ContainerState['Status'];
  /** Docker's human status: "Up 5 seconds", "Exited (3) 2 minutes ago"… */
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

/** `POST /containers/create`. */
export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[];
}

/** `POST /containers/{id}/update`. */
export interface ContainerUpdateResponse {
  Warnings: string[];
}

/** `POST /containers/{id}/wait`: one JSON line once the condition is met (StatusCode -1 when waiting failed). */
export interface ContainerWaitResponse {
  StatusCode: number;
  Error: { Message: string } | null;
}

/** `GET /containers/{id}/top`. */
export interface ContainerTopResponse {
  Titles: string[];
  Processes: string[][];
}

/** `POST /containers/prune`. */
export interface ContainerPruneResponse {
  ContainersDeleted: string[];
  SpaceReclaimed: number;
}

/** Kind of a `FilesystemChange`: 0 modified, 1 added, 2 deleted. */
export type ChangeType = 0 | 1 | 2;

/** One entry of `GET /containers/{id}/changes`. */
export interface FilesystemChange {
  Path: string;
  Kind: ChangeType;
}

/** `POST /commit` and `POST /containers/{id}/exec`: the new image's or exec's ID. */
export interface IdResponse {
  Id: string;
}

// ---- stats (`GET /containers/{id}/stats`) ----

/** Cumulative CPU time in nanoseconds; the engine reads only the total. */
export interface CPUUsage {
  total_usage: number;
  usage_in_kernelmode: number;
  usage_in_usermode: number;
}

/** CPU numbers of one sample; the empty `precpu_stats` of a first sample has no system_cpu_usage, online_cpus or throttling counts. */
export interface CPUStats {
  cpu_usage: CPUUsage;
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods?: number; throttled_periods?: number; throttled_time?: number };
}

/** One network interface's counters (`networks[name]`). */
export interface ContainerNetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/**
 * `GET /containers/{id}/stats`: one sample (`stream=false`) or a JSON line a
 * second. `precpu_stats` is the sample before (zeros for the first), which
 * is what clients compute CPU percentages from. `networks` only for a
 * container with interfaces; pids_stats.limit only when there is one.
 */
export interface ContainerStatsResponse {
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current: number; limit?: number };
  blkio_stats: { io_service_bytes_recursive: null; io_serviced_recursive: null };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CPUStats;
  precpu_stats: CPUStats;
  /** `stats` is always empty: the engine sends no cgroup memory breakdown. */
  memory_stats: { usage: number; limit: number; stats: Record<string, number> };
  networks?: Record<string, ContainerNetworkStats>;
}

// ---- exec ----

/** `GET /exec/{id}/json`. ExitCode is null until the process ends. */
export interface ExecInspectResponse {
  ID: string;
  ContainerID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  OpenStdin: boolean;
  OpenStdout: boolean;
  OpenStderr: boolean;
  CanRemove: boolean;
  /** Go's []byte: base64 of the exec's own detach keys, "" without. */
  DetachKeys: string;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
}

// ---- images ----

/** One entry of `GET /images/json`. Created in unix seconds; SharedSize and Containers -1 (not computed). */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

/**
 * `GET /images/{name}/json`. Container and ContainerConfig only for clients
 * of API < 1.45 (dockerd dropped them then).
 */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  /** RFC 3339. */
  Created: string;
  Container?: string;
  ContainerConfig?: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Os: string;
  Size: number;
  GraphDriver: GraphDriverData;
  RootFS: { Type: 'layers'; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** One entry of `GET /images/{name}/history`, newest first; Id "<missing>" below the top. */
export interface HistoryResponseItem {
  Id: string;
  /** Unix seconds (0 when unknown). */
  Created: number;
  CreatedBy: string;
  Size: number;
  Comment: string;
  Tags: string[] | null;
}

/** One entry of `DELETE /images/{name}`; `POST /images/prune` has only `Deleted` ones. */
export interface ImageDeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

/** `POST /images/prune`. */
export interface ImagePruneResponse {
  ImagesDeleted: ImageDeleteResponseItem[];
  SpaceReclaimed: number;
}

/** `POST /build/prune`. */
export interface BuildCachePruneResponse {
  CachesDeleted: string[];
  SpaceReclaimed: number;
  /** tspaas: how many cache entries went. */
  EntriesDeleted: number;
}

// ---- networks ----

/** One address pool of a network; IPRange and AuxiliaryAddresses only when set. */
export interface IPAMConfig {
  Subnet: string;
  IPRange?: string;
  Gateway: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** A container on a network, as `Network.Containers` shows it (keyed by container ID). */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** CIDR: "172.17.0.2/16". */
  IPv4Address: string;
  IPv6Address: string;
}

/** `GET /networks/{id}`, and each entry of `GET /networks` (there with Containers empty, as since API 1.28). */
export interface Network {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: null; Config: IPAMConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** `POST /networks/create`. */
export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

/** `POST /networks/prune`. */
export interface NetworkPruneResponse {
  NetworksDeleted: string[];
}

// ---- volumes ----

/** `GET /volumes/{name}`, `POST /volumes/create`, and each entry of `GET /volumes`. */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  /** RFC 3339. */
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
}

/** `GET /volumes`. */
export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: null;
}

/** `POST /volumes/prune`. */
export interface VolumePruneResponse {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

// ---- system ----

/** One component of `SystemVersion`; Details are all strings (Experimental "false"). */
export interface ComponentVersion {
  Name: string;
  Version: string;
  Details: Record<string, string>;
}

/** `GET /version`. Arch in Go's names (amd64, arm64). */
export interface SystemVersion {
  Platform: { Name: string };
  Components: ComponentVersion[];
  Version: string;
  GitCommit: string;
  GoVersion: string;
  BuildTime: string;
  Experimental: boolean;
  ApiVersion: string;
  MinAPIVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
}

/** `GET /info`. Swarm is always inactive; the counters dockerd keeps of itself (NFd, NGoroutines…) are 0. */
export interface SystemInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DockerRootDir: string;
  CgroupDriver: string;
  CgroupVersion: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  /** As the host names it (x86_64), unlike `SystemVersion.Arch`. */
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Runtimes: Record<string, { path: string }>;
  DefaultRuntime: string;
  /** "name=seccomp,profile=…", "name=userns"… */
  SecurityOptions: string[];
  SystemTime: string;
  /** [["Quota", backend]]: what bounds the writable layers. */
  DriverStatus: Array<[string, string]>;
  Plugins: { Volume: string[]; Network: string[]; Authorization: null; Log: string[] };
  MemoryLimit: boolean;
  SwapLimit: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  PidsLimit: boolean;
  IPv4Forwarding: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  LoggingDriver: string;
  NEventsListener: number;
  OSVersion: string;
  IndexServerAddress: string;
  /** Mirrors with dockerd's trailing slash. */
  RegistryConfig: { IndexConfigs: Record<string, never>; InsecureRegistryCIDRs: string[]; Mirrors: string[] };
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  Swarm: { NodeID: string; NodeAddr: string; LocalNodeState: 'inactive'; ControlAvailable: boolean; Error: string; RemoteManagers: null };
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  ContainerdCommit: { ID: string };
  RuncCommit: { ID: string };
  InitCommit: { ID: string };
  /** Set when the disk is not bounded; null otherwise. */
  Warnings: string[] | null;
}

/** `GET /system/df`: enough for `docker system df` to print totals (sizes not computed are -1). */
export interface SystemDataUsageResponse {
  LayersSize: number;
  Images: Array<Pick<ImageSummary, 'Id' | 'RepoTags' | 'Size' | 'SharedSize' | 'Containers' | 'Created'>>;
  Containers: Array<Pick<ContainerSummary, 'Id' | 'Names' | 'Image' | 'State'>>;
  Volumes: Array<Pick<Volume, 'Name' | 'Driver' | 'Mountpoint'> & { UsageData: { Size: number; RefCount: number } }>;
  BuildCache: [];
}

/** `POST /auth`: the engine hands out no identity tokens. */
export interface SystemAuthResponse {
  Status: string;
  IdentityToken: string;
}

// ---- events ----

/**
 * One message of `GET /events` (a JSON line each). The legacy `status`, `id`
 * and `from` fields only for container and image events, as dockerd; `from`
 * only when the event names an image.
 */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: 'container' | 'image' | 'volume' | 'network';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** Unix seconds. */
  time: number;
  timeNano: number;
}

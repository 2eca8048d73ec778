/** `GET /version` and `GET /info` in Docker's shape, from the engine's `EngineInfo`. */
import type { EngineInfo } from '../../types.js';
import { API_VERSION, MIN_API_VERSION } from '../http/version.js';
import type { SystemInfo, SystemVersion } from './types.js';

/** Go's GOARCH names, which Docker clients expect. */
export function goArch(arch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', x64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i386: '386', i686: '386', ia32: '386' };
  return map[arch] ?? arch;
}

/** `GET /version`. */
export function versionJson(info: EngineInfo, version: string): SystemVersion {
  const details = {
    ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: info.osType, Arch: goArch(info.architecture), KernelVersion: info.kernelVersion,
  };
  return {
    Platform: { Name: 'tspaas Engine' },
    Components: [
      { Name: 'Engine', Version: version, Details: { ...details, GitCommit: '', GoVersion: '', BuildTime: '', Experimental: 'false' } },
    ],
    Version: version,
    GitCommit: '',
    GoVersion: '',
    BuildTime: '',
    Experimental: false,
    ...details,
  };
}

/** `GET /info`: counts and the host from `EngineInfo`, the rest fixed by what tspaas is. */
export function infoJson(info: EngineInfo, version: string): SystemInfo {
  return {
    ID: info.hostname,
    Name: info.hostname,
    ServerVersion: version,
    Containers: info.containers.total,
    ContainersRunning: info.containers.running,
    ContainersPaused: info.containers.paused,
    ContainersStopped: info.containers.stopped,
    Images: info.images,
    Driver: info.storageDriver,
    DockerRootDir: info.root,
    CgroupDriver: info.cgroupDriver,
    CgroupVersion: info.cgroupVersion,
    KernelVersion: info.kernelVersion,
    OperatingSystem: info.operatingSystem,
    OSType: info.osType,
    Architecture: info.architecture,
    NCPU: info.ncpu,
    MemTotal: info.memTotal,
    Runtimes: Object.fromEntries(info.runtimes.map((r) => [r, { path: r }])),
    DefaultRuntime: info.runtime,
    SecurityOptions: info.securityOptions.map((o) => (o.includes('=') ? o : `name=${o}`)),
    SystemTime: new Date().toISOString(),
    ...FIXED_INFO,
    // Part 5, storage quota: what bounds the writable layers, loudly when nothing does.
    DriverStatus: [['Quota', info.storageQuota.backend]],
    // Issue 14 part R: `docker info` lists them under "Registry Mirrors" (dockerd keeps the trailing slash).
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: info.registryMirrors.map((m) => `${m}/`) },
    Warnings: info.storageQuota.backend === 'none' ? [`WARNING: disk is not bounded (--storage-opt size is refused): ${info.storageQuota.reason}`] : null,
  };
}

/** The parts of `/info` that do not depend on the host. */
const FIXED_INFO = {
  DriverStatus: [],
  Plugins: { Volume: ['local'], Network: ['null', 'host'], Authorization: null, Log: ['json-file', 'k8s-file'] },
  MemoryLimit: true,
  SwapLimit: false,
  CpuCfsPeriod: true,
  CpuCfsQuota: true,
  PidsLimit: true,
  IPv4Forwarding: true,
  Debug: false,
  NFd: 0,
  NGoroutines: 0,
  LoggingDriver: 'json-file',
  NEventsListener: 0,
  OSVersion: '',
  IndexServerAddress: 'https://index.docker.io/v1/',
  RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
  HttpProxy: '',
  HttpsProxy: '',
  NoProxy: '',
  Labels: [],
  ExperimentalBuild: false,
  Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
  LiveRestoreEnabled: true,
  Isolation: '',
  InitBinary: '',
  ContainerdCommit: { ID: '' },
  RuncCommit: { ID: '' },
  InitCommit: { ID: '' },
  Warnings: null,
} satisfies Partial<SystemInfo>;

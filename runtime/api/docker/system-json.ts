/** `GET /version` and `GET /info` in Docker's shape, from the engine's `EngineInfo`. */
import type { EngineInfo } from '../../types.js';
import { API_VERSION, MIN_API_VERSION } from '../http/version.js';

/** Go's GOARCH names, which Docker clients expect. */
export function goArch(arch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', x64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i386: '386', i686: '386', ia32: '386' };
  return map[arch] ?? arch;
}

/** `GET /version`. */
export function versionJson(info: EngineInfo, version: string): object {
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

/** `GET /info`. */
export function infoJson(info: EngineInfo, version: string): object {
  return {
    ID: info.hostname,
    Containers: info.containers.total,
    ContainersRunning: info.containers.running,
    ContainersPaused: info.containers.paused,
    ContainersStopped: info.containers.stopped,
    Images: info.images,
    Driver: info.storageDriver,
    DriverStatus: [],
    Plugins: { Volume: ['local'], Network: ['null', 'host'], Authorization: null, Log: ['k8s-file'] },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'k8s-file',
    CgroupDriver: info.cgroupDriver,
    CgroupVersion: info.cgroupVersion,
    NEventsListener: 0,
    KernelVersion: info.kernelVersion,
    OperatingSystem: info.operatingSystem,
    OSVersion: '',
    OSType: info.osType,
    Architecture: info.architecture,
    NCPU: info.ncpu,
    MemTotal: info.memTotal,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    DockerRootDir: info.root,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: info.hostname,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: version,
    Runtimes: Object.fromEntries(info.runtimes.map((r) => [r, { path: r }])),
    DefaultRuntime: info.runtime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: info.securityOptions.map((o) => (o.includes('=') ? o : `name=${o}`)),
    Warnings: null,
  };
}

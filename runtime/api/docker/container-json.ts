/** tspaas `Container` → Docker's inspect (`/containers/{id}/json`) and list (`/containers/json`) JSON. */
import { usernsModeOf } from '../../containers/userns.js';
import type { Container, ContainerState } from '../../containers/types.js';
import { bindsJson, mountsJson } from './mounts.js';
import { resourcesJson } from './docker-resources.js';
import { hostOptionsJson } from './create-host-options.js';
import { DEFAULT_LOG_DRIVER } from '../../containers/log-config.js';
import { epochMs, unixSeconds } from './time.js';
import { humanDuration } from '../../../lib/human.js';
import { imageConfigJson } from './image-json.js';
import { hostNetworkingJson, networksJson, networkSettingsJson, portListJson, type NetworkIds } from './network-settings.js';
import type { ContainerConfig, ContainerInspectResponse, ContainerSummary, ContainerState as DockerContainerState, Health, HostConfig } from './types.js';

/** The command line a container runs: entrypoint followed by cmd. */
export function processArgs(c: Container): string[] {
  return [...(c.record.config.Entrypoint ?? []), ...(c.record.config.Cmd ?? [])];
}

/** `GET /containers/{id}/json`; `ids` names the networks a stopped container is configured for. */
export function containerInspectJson(c: Container, ids?: NetworkIds): ContainerInspectResponse {
  const { record, state } = c;
  const [path = '', ...args] = processArgs(c);
  return {
    Id: record.id,
    Created: record.created,
    Path: path,
    Args: args,
    State: stateJson(state),
    Image: record.imageId,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: `/${record.name}`,
    RestartCount: state.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfigJson(c),
    GraphDriver: { Name: 'overlay', Data: null },
    Mounts: mountsJson(record.options.mounts ?? []),
    Config: configJson(c),
    NetworkSettings: networkSettingsJson(c, ids),
  };
}

/** One entry of `GET /containers/json`. */
export function containerSummaryJson(c: Container, now = Date.now(), ids?: NetworkIds): ContainerSummary {
  const { record, state } = c;
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.imageRef,
    ImageID: record.imageId,
    Command: processArgs(c).join(' '),
    Created: unixSeconds(record.created),
    Ports: portListJson(c),
    Labels: record.config.Labels ?? {},
    State: state.status,
    Status: statusText(state, now),
    HostConfig: { NetworkMode: c.record.options.networkMode ?? 'default' },
    NetworkSettings: { Networks: networksJson(c, ids) },
    Mounts: mountsJson(record.options.mounts ?? []),
  };
}

/** Docker's human status: "Up 5 seconds", "Up 2 minutes (Paused)", "Exited (3) 2 minutes ago", "Created"… */
export function statusText(s: ContainerState, now = Date.now()): string {
  const since = (t: string) => humanDuration(Math.max(0, now - (epochMs(t) || now)));
  switch (s.status) {
    case 'running': return `Up ${since(s.startedAt)}${healthSuffix(s)}`;
    case 'paused': return `Up ${since(s.startedAt)} (Paused)`;
    case 'restarting': return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'exited': return Number.isNaN(epochMs(s.finishedAt)) ? `Exited (${s.exitCode})` : `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
    default: return 'Created';
  }
}

/** Docker's Health.String in ps: " (health: starting)", " (healthy)", " (unhealthy)"; nothing without a healthcheck. */
function healthSuffix(s: ContainerState): string {
  if (!s.health) return '';
  return s.health.status === 'starting' ? ' (health: starting)' : ` (${s.health.status})`;
}

/** State.Health as dockerd shows it (only for a container with a healthcheck). */
function healthJson(s: ContainerState): { Health?: Health } {
  if (!s.health) return {};
  const { status, failingStreak, log } = s.health;
  return { Health: { Status: status, FailingStreak: failingStreak, Log: log.map((r) => ({ Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output })) } };
}

function stateJson(s: ContainerState): DockerContainerState {
  return {
    Status: s.status,
    Running: s.status === 'running' || s.status === 'paused',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...healthJson(s),
  };
}

/** Docker's container `Config`: the image-shaped config plus what is the container's own. */
function configJson(c: Container): ContainerConfig {
  const cfg = c.record.config;
  return {
    ...imageConfigJson(cfg),
    Hostname: cfg.Hostname,
    Tty: cfg.Tty,
    OpenStdin: cfg.OpenStdin,
    StdinOnce: cfg.StdinOnce,
    Env: cfg.Env ?? [],
    Image: cfg.Image,
    Labels: cfg.Labels ?? {},
    ...(c.record.options.stopTimeout !== undefined ? { StopTimeout: c.record.options.stopTimeout } : {}),
  };
}

function hostConfigJson(c: Container): HostConfig {
  const o = c.record.options;
  return {
    ...bindsJson(o.mounts ?? []),
    ...hostNetworkingJson(o, c.record.name),
    RestartPolicy: { Name: o.restartPolicy?.name ?? 'no', MaximumRetryCount: o.restartPolicy?.maximumRetryCount ?? 0 },
    AutoRemove: o.autoRemove ?? false,
    Init: o.init ?? null,
    CapAdd: o.capAdd ?? null,
    CapDrop: o.capDrop ?? null,
    Privileged: o.privileged ?? false,
    SecurityOpt: o.securityOpt ?? null,
    UsernsMode: usernsModeOf(o), // issue 13 part 2
    ReadonlyRootfs: o.readOnlyRootfs ?? false,
    Memory: o.memory ?? 0,
    NanoCpus: o.nanoCpus ?? 0,
    PidsLimit: o.pidsLimit && o.pidsLimit > 0 ? o.pidsLimit : null,
    StorageOpt: o.storageOpt ?? null, // part 5, storage quota
    CpuShares: o.cpuShares ?? 0,
    LogConfig: { Type: o.logConfig?.type ?? DEFAULT_LOG_DRIVER, Config: o.logConfig?.config ?? {} },
    Runtime: c.record.runtime,
    ...resourcesJson(o), // issue 16: MemorySwap, CpusetCpus, OomKillDisable…
    Mounts: [],
    ...hostOptionsJson(o), // issue 16 scope 1
  };
}

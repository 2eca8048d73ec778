/**
 * What the container operations share: the engine's stores and the live
 * bookkeeping (locks, waiters, attachments, restart timers). One instance per
 * engine; every operation in this folder is a plain function of it.
 */
import type { EventEmitter } from 'node:events';
import type { EngineConfig, EngineEvent, Logger } from '../types.js';
import type { ImageStore } from '../images/types.js';
import type { Snapshotter } from '../snapshots/types.js';
import type { VolumeStore } from '../volumes/store.js';
import type { OciRuntime } from './oci-runtime.js';
import type { ContainerStore } from './store.js';
import type { KeyedMutex } from '../../lib/mutex.js';
import type { Waiters } from './waiters.js';
import type { SocketAttachment } from './attach.js';
import type { RootfsMounts } from './rootfs.js';
import type { Container } from './types.js';
import { containerPaths, type ContainerPaths } from './paths.js';
import type { HostLimits } from '../host.js';
import type { CgroupLayout } from './cgroups.js';
import type { ContainerNetworking } from '../network/types.js';
import type { LogRotation } from './log-rotation.js';
import { DEFAULT_LOG_OPTS, logPolicy, resolveLogConfig, type LogPolicy } from './log-config.js';

export interface ContainerContext {
  config: Readonly<EngineConfig>;
  store: ContainerStore;
  images: ImageStore;
  snapshots: Snapshotter;
  volumes: VolumeStore;
  /** OCI runtimes by name; `defaultRuntime` runs new containers. */
  runtimes: Record<string, OciRuntime>;
  defaultRuntime: string;
  locks: KeyedMutex;
  waiters: Waiters;
  rootfs: RootfsMounts;
  /** Attachments waiting for (or connected to) each container's process. */
  attachments: Map<string, Set<SocketAttachment>>;
  /** Pending restart-policy timers. */
  restartTimers: Map<string, NodeJS.Timeout>;
  /** Running health monitors (health.ts), each stopped by aborting its controller. */
  healthChecks: Map<string, AbortController>;
  events: EventEmitter;
  /** Failures the operations survive, each with its container ID (types.ts, Logger). */
  log: Logger;
  /**
   * Start a container again for its restart policy (takes the lock itself).
   * Skipped when the user stopped it, except at boot (`atBoot`, for `always`).
   * Never rejects: a failed start is logged and recorded on the container.
   */
  restart: (id: string, opts?: { atBoot?: boolean }) => Promise<void>;
  /** Networks and sandboxes (network/types.ts). */
  network: ContainerNetworking;
  /** Facts of the host read once at engine start (see spec.ts SpecContext). */
  host: { limits: HostLimits; cgroups: CgroupLayout };
  /** Rotation of running containers' logs (log-rotation.ts). */
  logRotation: LogRotation;
}

/** The paths of a container. */
export function pathsOf(ctx: ContainerContext, id: string): ContainerPaths {
  return containerPaths(ctx.config.root, ctx.config.runRoot, id);
}

/** A container's log driver and bounds: the options it left out (all, for containers older than log options) are the engine's defaults. */
export function logPolicyOf(ctx: ContainerContext, c: Container): LogPolicy {
  return logPolicy(resolveLogConfig(c.record.options.logConfig, ctx.config.logOpts ?? DEFAULT_LOG_OPTS));
}

/** The OCI runtime that runs a container. */
export function runtimeOf(ctx: ContainerContext, c: Container): OciRuntime {
  return ctx.runtimes[c.record.runtime] ?? ctx.runtimes[ctx.defaultRuntime];
}

/** Publish an engine event about a container. */
export function emitContainerEvent(ctx: ContainerContext, c: Container, action: string, extra: Record<string, string> = {}): void {
  const now = Date.now();
  const e: EngineEvent = {
    type: 'container', action, id: c.record.id,
    attributes: { name: c.record.name, image: c.record.imageRef, ...(c.record.config.Labels ?? {}), ...extra },
    time: Math.floor(now / 1000), timeNano: now * 1e6,
  };
  ctx.events.emit('event', e);
}

/** The cgroup path of a container (always explicit). */
export function cgroupPathOf(ctx: ContainerContext, id: string): string {
  return `${ctx.config.cgroupParent.replace(/\/$/, '')}/${id}`;
}

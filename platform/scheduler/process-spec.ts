/**
 * From a release's process type to engine create options, and from an
 * engine container back to a `ProcessInfo`: the scheduler's two mappings,
 * pure data in and out.
 */
import { randomBytes } from 'node:crypto';
import { invalid } from '../../lib/errors.js';
import type { Container, CreateOptions } from '../../runtime/containers/types.js';
import { teamUserns } from '../userns.js';
import { planLimits } from '../plans.js';
import { LABELS, type App, type Plan, type ProcessInfo, type ProcessState, type Release } from '../types.js';
import type { ProcessPort } from './port.js';

/** Part A: capabilities app containers (and one-offs) drop beyond Docker's defaults: no raw sockets, so no forged packets. */
export const APP_CAP_DROP: readonly string[] = ['NET_RAW'];

/** What a process container is made from. */
export interface ProcessSpec {
  app: App;
  release: Release;
  type: string;
  index: number;
  /** The plan's bounds, with the process's memory (plans.ts `boundsOf`). */
  bounds: Plan;
  network: string;
  /** The process's PORT and where it came from (port.ts). */
  port: ProcessPort;
  stopGraceSeconds: number;
  restarts: number;
  /** Part 5, storage quota: the writable layer's bound (disk.ts `appStorageOpt`); absent = unbounded. */
  storageOpt?: Record<string, string>;
}

/**
 * Create options of `type.index`: the release's image, env (config vars,
 * then PORT — config PORT, else the image's one EXPOSEd port, else the
 * platform's: port.ts — and DYNO), its command through
 * `/bin/sh -c` (appended to the image's entrypoint, so a buildpack image's
 * launcher still sets up /app's environment), or the image's own
 * CMD/ENTRYPOINT for a `web` without a command (Dockerfile images).
 */
export function processCreateOptions(s: ProcessSpec): CreateOptions {
  if (!s.release.image) throw invalid(`release v${s.release.version} has no image`);
  const command = s.release.processTypes[s.type];
  if (command === undefined && s.type !== 'web') throw invalid(`release v${s.release.version} has no process type "${s.type}"`);
  const name = `${s.type}.${s.index}`;
  return {
    name: `${s.app.name}.${name}.v${s.release.version}.${randomBytes(3).toString('hex')}`,
    image: s.release.image,
    cmd: command?.trim() ? shellCommand(command) : undefined,
    env: envList({ ...s.release.config, PORT: String(s.port.port), DYNO: name }),
    labels: {
      ...appLabels(s.app, s.release), [LABELS.type]: s.type, [LABELS.index]: String(s.index),
      [LABELS.port]: String(s.port.port), [LABELS.portFrom]: s.port.from,
      ...(s.restarts > 0 ? { [LABELS.restarts]: String(s.restarts) } : {}), [LABELS.plan]: s.bounds.name,
    },
    ...planLimits(s.bounds),
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    // An init as PID 1, so SIGTERM reaches the app (a process that is PID 1 itself ignores it unless it handles it).
    init: true,
    stopTimeout: s.stopGraceSeconds,
    networkMode: s.network,
    capDrop: [...APP_CAP_DROP],
    storageOpt: s.storageOpt, // part 5, storage quota
    userns: teamUserns(s.app), // issue 13 part 2: the team's user namespace
  };
}

/** A command line run by the shell, as Heroku runs Procfile entries and `heroku run` arguments. */
export function shellCommand(command: string): string[] {
  return ['/bin/sh', '-c', command];
}

/** The labels every container of the app's release carries. */
export function appLabels(app: App, release: Release): Record<string, string> {
  return {
    [LABELS.app]: app.name, [LABELS.appId]: app.id,
    [LABELS.release]: release.id, [LABELS.version]: String(release.version),
  };
}

/** `KEY=value` lines of an env object. */
export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** A container of the app as `tspaas ps` shows it. */
export function toProcessInfo(c: Container, network: string, port: number): ProcessInfo {
  const labels = c.record.config.Labels ?? {};
  const type = labels[LABELS.type] ?? 'unknown';
  const index = Number(labels[LABELS.index] ?? 0);
  const state = processState(c);
  const endpoint = c.network?.endpoints.find((e) => e.networkName === network) ?? null;
  return {
    name: `${type}.${index}`,
    type,
    index,
    containerId: c.record.id,
    releaseVersion: Number(labels[LABELS.version] ?? 0),
    state,
    address: state === 'up' ? endpoint?.ipAddress ?? null : null,
    port: state === 'up' ? Number(labels[LABELS.port] ?? port) : null,
    ...(labels[LABELS.portFrom] ? { portFrom: labels[LABELS.portFrom] } : {}),
    restarts: Number(labels[LABELS.restarts] ?? 0) + c.state.restartCount,
    startedAt: c.state.startedAt.startsWith('0001-') ? c.record.created : c.state.startedAt,
    command: commandOf(c),
    memoryBytes: c.record.options.memory ?? null,
    plan: labels[LABELS.plan] ?? null,
  };
}

/**
 * The engine's status in the platform's words: an exit nobody asked for is a
 * crash (whatever the code: a process of the formation must not end); an exit
 * after a stop, or a removal under way, is `stopping` (the container goes next).
 */
export function processState(c: Container): ProcessState {
  switch (c.state.status) {
    case 'running':
    case 'paused':
      return 'up';
    case 'created':
    case 'restarting':
      return 'starting';
    case 'removing':
      return 'stopping';
    case 'exited':
      return c.state.stoppedByUser ? 'stopping' : 'crashed';
    default:
      return 'crashed';
  }
}

/** What the container runs: the shell's command line, or the image's entrypoint and command. */
function commandOf(c: Container): string {
  const cmd = c.record.config.Cmd ?? [];
  if (cmd.length === 3 && cmd[0] === '/bin/sh' && cmd[1] === '-c') return cmd[2];
  return [...(c.record.config.Entrypoint ?? []), ...cmd].join(' ');
}

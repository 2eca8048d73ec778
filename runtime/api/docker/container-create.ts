/** Docker's `POST /containers/create` body → tspaas `CreateOptions`. */
import { parseUsernsMode } from '../../containers/userns.js';
import { invalid } from '../../../lib/errors.js';
import type { CreateOptions, RestartPolicy } from '../../containers/types.js';
import type { HealthConfig } from '../../images/types.js';
import type { ContainerCreateRequest, HostConfigRequest, StrSlice } from './types.js';
import { parseMounts } from './mounts.js';
import { exposedPorts, networkingOptions } from './container-network.js';
import { resourceOptions } from './docker-resources.js';
import { checkCreateFields } from './create-fields.js';
import { hostOptionsOf } from './create-host-options.js';

const RESTART_NAMES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;

/** Translate a create request; `name` comes from the `?name=` query value. */
export function toCreateOptions(body: ContainerCreateRequest | undefined, name?: string): CreateOptions {
  if (!body) throw invalid('config cannot be empty in order to create a container');
  if (!body.Image) throw invalid('no image was specified');
  checkCreateFields(body as Record<string, unknown>); // issue 16: nothing accepted and ignored (create-fields.ts)
  const hc = body.HostConfig ?? {};
  const net = networkingOptions(hc, body.NetworkingConfig, body.MacAddress);
  if (body.NetworkDisabled) net.networkMode = 'none';
  const opts: CreateOptions = {
    name: name || undefined,
    image: body.Image,
    entrypoint: strSlice(body.Entrypoint),
    cmd: strSlice(body.Cmd),
    env: body.Env ?? undefined,
    workingDir: body.WorkingDir || undefined,
    user: body.User || undefined,
    hostname: body.Hostname || undefined,
    labels: body.Labels ?? undefined,
    tty: body.Tty ?? false,
    openStdin: body.OpenStdin ?? false,
    stdinOnce: body.StdinOnce ?? false,
    exposedPorts: exposedPorts(body.ExposedPorts, net.portBindings),
    stopSignal: body.StopSignal || undefined,
    stopTimeout: body.StopTimeout ?? undefined,
    mounts: parseMounts({ ...hc, Volumes: body.Volumes }),
    healthcheck: healthcheck(body.Healthcheck),
    ...hostOptions({ ...hc, Runtime: runtimeField(body) }),
    ...hostOptionsOf(hc), // issue 16 scope 1
    ...net,
  };
  return dropUndefined(opts);
}

function hostOptions(hc: HostConfigRequest): Partial<CreateOptions> {
  return {
    readOnlyRootfs: hc.ReadonlyRootfs || undefined,
    memory: hc.Memory || undefined,
    ...resourceOptions(hc), // issue 16: nanoCpus, cpuQuota/cpuPeriod, memorySwap…
    pidsLimit: hc.PidsLimit && hc.PidsLimit > 0 ? hc.PidsLimit : undefined,
    cpuShares: hc.CpuShares || undefined,
    restartPolicy: restartPolicy(hc.RestartPolicy),
    autoRemove: hc.AutoRemove || undefined,
    init: hc.Init || undefined,
    capAdd: hc.CapAdd?.length ? hc.CapAdd : undefined,
    capDrop: hc.CapDrop?.length ? hc.CapDrop : undefined,
    privileged: hc.Privileged || undefined,
    securityOpt: hc.SecurityOpt?.length ? hc.SecurityOpt : undefined,
    storageOpt: hc.StorageOpt && Object.keys(hc.StorageOpt).length ? hc.StorageOpt : undefined, // part 5, storage quota
    userns: parseUsernsMode(hc.UsernsMode), // issue 13 part 2
    logConfig: logConfig(hc.LogConfig),
  };
}

/** HostConfig.Runtime, or the body's top-level Runtime where docker-py puts it; both, differing, are refused. */
function runtimeField(body: ContainerCreateRequest): string | undefined {
  const [top, host] = [body.Runtime || undefined, body.HostConfig?.Runtime || undefined];
  if (top && host && top !== host) throw invalid(`conflicting runtimes: Runtime "${top}" and HostConfig.Runtime "${host}"`);
  return host ?? top;
}

/** HostConfig.LogConfig; an empty one means the engine's defaults (the engine checks the values). */
function logConfig(lc: HostConfigRequest['LogConfig']): CreateOptions['logConfig'] {
  if (!lc || (!lc.Type && Object.keys(lc.Config ?? {}).length === 0)) return undefined;
  if (lc.Config && (typeof lc.Config !== 'object' || Object.values(lc.Config).some((v) => typeof v !== 'string'))) {
    throw invalid('invalid LogConfig.Config: use an object of string values, e.g. {"max-size": "10m"}');
  }
  return { type: lc.Type ?? '', config: { ...lc.Config } };
}

const HEALTH_FIELDS = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'];

/** Config.Healthcheck without its empty fields (Go's omitempty: inspect shows what was set); null or {} = the image's. */
function healthcheck(h: ContainerCreateRequest['Healthcheck']): HealthConfig | undefined {
  if (h === undefined || h === null) return undefined;
  if (typeof h !== 'object' || Array.isArray(h)) throw invalid('invalid Healthcheck: use an object like {"Test": ["CMD-SHELL", "true"], "Interval": 1000000000}');
  const unknown = Object.keys(h).find((k) => !HEALTH_FIELDS.includes(k));
  if (unknown) throw invalid(`invalid Healthcheck: unknown field "${unknown}" (known: ${HEALTH_FIELDS.join(', ')})`);
  const set = Object.entries(h).filter(([, v]) => v !== undefined && v !== null && v !== 0 && !(Array.isArray(v) && v.length === 0));
  return set.length ? (Object.fromEntries(set) as HealthConfig) : undefined;
}

/** Docker's strslice: a JSON string means a one-element list; `[""]` (e.g. `--entrypoint ""`) clears. */
function strSlice(v: StrSlice | undefined): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  return list.length === 1 && list[0] === '' ? [] : list;
}

/** HostConfig.RestartPolicy → the engine's (also for update). */
export function restartPolicy(p: HostConfigRequest['RestartPolicy']): RestartPolicy | undefined {
  if (!p?.Name) return undefined;
  const name = RESTART_NAMES.find((n) => n === p.Name);
  if (!name) throw invalid(`invalid restart policy '${p.Name}'`);
  const max = p.MaximumRetryCount ?? 0;
  if (max < 0) throw invalid('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') throw invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { name, maximumRetryCount: max };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

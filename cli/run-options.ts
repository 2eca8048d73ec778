/**
 * `container run` / `container create` flags → the Engine API's create body
 * (Docker's ContainerCreate JSON: Config fields at the top, HostConfig
 * nested). Parsing only; every value is checked again by the engine.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { parseBytes } from '../lib/bytes.js';
import { invalid } from '../lib/errors.js';
import { parseSecurityOpts } from './security-opt.js';
import { parseHealthFlags, type HealthFlags } from './health-options.js';
import type { ContainerCreateRequest, HostConfigRequest, NetworkingConfig } from '../runtime/api/docker/types.js';

/** The flags as commander hands them over (Docker's names). */
export interface RunFlags extends HealthFlags {
  detach?: boolean;
  rm?: boolean;
  interactive?: boolean;
  tty?: boolean;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  name?: string;
  hostname?: string;
  volume?: string[];
  readOnly?: boolean;
  init?: boolean;
  tmpfs?: string[];
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  /** Part 4 of issue 13 (cpu weight). */
  cpuShares?: string;
  restart?: string;
  label?: string[];
  network?: string;
  /** Hidden alias of --network. */
  net?: string;
  networkAlias?: string[];
  ip?: string;
  link?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** Part A: Docker's --security-opt; seccomp=<file> is sent as the file's JSON, as Docker's CLI does. */
  securityOpt?: string[];
  /** Issue 13 part 2: "host" or "auto" (HostConfig.UsernsMode). */
  userns?: string;
  stopTimeout?: string;
  stopSignal?: string;
  publish?: string[];
  publishAll?: boolean;
  expose?: string[];
  /** Part 5, storage quota: `--storage-opt size=10G` (repeatable). */
  storageOpt?: string[];
  // log rotation (issue 13 part 3)
  logDriver?: string;
  logOpt?: string[];
}

/** What parsing needs from outside: the working directory, the local environment, a file reader. */
export interface ParseEnv {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  readFile: (file: string) => string;
}

export interface CreateRequest {
  /** `?name=` of POST /containers/create. */
  name?: string;
  body: ContainerCreateRequest & { HostConfig: HostConfigRequest };
}

/** Build the create request from flags, the image and the command after it. */
export function buildCreateRequest(flags: RunFlags, image: string, args: string[], penv: ParseEnv): CreateRequest {
  if (flags.rm && flags.restart && flags.restart !== 'no') throw invalid('conflicting options: --restart and --rm');
  const attach = !flags.detach;
  const volumes = (flags.volume ?? []).map((v) => parseVolume(v, penv.cwd));
  const ports = parsePorts(flags.publish ?? []);
  const exposed = { ...parseExpose(flags.expose ?? []), ...ports.exposed };
  const net = parseNetworking(flags);
  const body = {
    Image: image,
    Cmd: args.length ? args : undefined,
    Entrypoint: flags.entrypoint === undefined ? undefined : flags.entrypoint === '' ? [] : [flags.entrypoint],
    Env: parseEnv(flags.env ?? [], flags.envFile ?? [], penv),
    WorkingDir: flags.workdir,
    User: flags.user,
    Hostname: flags.hostname,
    Labels: parseLabels(flags.label ?? []),
    Tty: !!flags.tty,
    OpenStdin: !!flags.interactive,
    StdinOnce: !!flags.interactive && attach,
    AttachStdin: !!flags.interactive && attach,
    AttachStdout: attach,
    AttachStderr: attach,
    StopTimeout: flags.stopTimeout === undefined ? undefined : parseInteger(flags.stopTimeout, '--stop-timeout'),
    StopSignal: flags.stopSignal,
    ...healthcheckOf(flags),
    Volumes: objectOf(volumes.flatMap((v) => (v.anonymous ? [v.anonymous] : []))),
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    HostConfig: {
      Binds: nonEmpty(volumes.flatMap((v) => (v.bind ? [v.bind] : []))),
      Tmpfs: parseTmpfs(flags.tmpfs ?? []),
      ReadonlyRootfs: !!flags.readOnly,
      Memory: flags.memory === undefined ? 0 : parseBytes(flags.memory, '--memory'),
      NanoCpus: flags.cpus === undefined ? 0 : parseCpus(flags.cpus),
      PidsLimit: flags.pidsLimit === undefined ? undefined : parseInteger(flags.pidsLimit, '--pids-limit'),
      CpuShares: flags.cpuShares === undefined ? undefined : parseInteger(flags.cpuShares, '--cpu-shares'),
      RestartPolicy: parseRestartPolicy(flags.restart ?? 'no'),
      AutoRemove: !!flags.rm,
      ...(flags.storageOpt?.length ? { StorageOpt: parseStorageOpts(flags.storageOpt) } : {}), // part 5, storage quota
      Init: flags.init || undefined,
      ...net.hostConfig,
      CapAdd: flags.capAdd,
      CapDrop: flags.capDrop,
      Privileged: !!flags.privileged,
      SecurityOpt: parseSecurityOpts(flags.securityOpt ?? [], penv),
      ...(flags.userns ? { UsernsMode: flags.userns } : {}), // issue 13 part 2
      PortBindings: ports.bindings,
      PublishAllPorts: !!flags.publishAll,
      ...logConfigOf(flags),
    },
    NetworkingConfig: net.networkingConfig,
  };
  return { name: flags.name, body };
}

function healthcheckOf(flags: RunFlags): Pick<ContainerCreateRequest, 'Healthcheck'> {
  const hc = parseHealthFlags(flags);
  return hc ? { Healthcheck: hc } : {};
}

function logConfigOf(flags: RunFlags): Pick<HostConfigRequest, 'LogConfig'> {
  const lc = parseLogConfig(flags.logDriver, flags.logOpt ?? []);
  return lc ? { LogConfig: lc } : {};
}

/** `--log-driver` and `--log-opt key=value` → HostConfig.LogConfig (the engine checks names and values). */
export function parseLogConfig(driver: string | undefined, opts: string[]): { Type: string; Config: Record<string, string> } | undefined {
  if (driver === undefined && opts.length === 0) return undefined;
  return { Type: driver ?? '', Config: keyValues(opts, '--log-opt', 'max-size=10m') };
}

/** "1.5" → 1.5e9 nano-CPUs. */
export function parseCpus(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw invalid(`invalid --cpus "${value}": use a positive number like 1.5`);
  return Math.round(n * 1e9);
}

/** "no", "always", "unless-stopped", "on-failure", "on-failure:3" → Docker's RestartPolicy. */
export function parseRestartPolicy(value: string): { Name: string; MaximumRetryCount: number } {
  const [name = '', count, ...extra] = value.split(':');
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name) || extra.length) {
    throw invalid(`invalid restart policy "${value}": use no, always, unless-stopped or on-failure[:max-retries]`);
  }
  if (count !== undefined && name !== 'on-failure') throw invalid(`restart policy "${name}" takes no retry count`);
  return { Name: name, MaximumRetryCount: count === undefined ? 0 : parseInteger(count, 'restart retry count') };
}

/**
 * One `-v`: `/host:/ctr[:ro]` or `./rel:/ctr` (bind, made absolute),
 * `name:/ctr[:ro]` (named volume), `/ctr` (anonymous volume).
 */
export function parseVolume(spec: string, cwd: string): { bind?: string; anonymous?: string } {
  const parts = spec.split(':');
  if (parts.length === 1) return { anonymous: absoluteTarget(parts[0]!, spec) };
  if (parts.length > 3) throw invalid(`invalid volume "${spec}": use src:dst[:ro]`);
  const [src = '', dst = '', opts] = parts;
  const isPath = /^[/.~]/.test(src);
  if (!isPath && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(src)) throw invalid(`invalid volume name "${src}" in "${spec}"`);
  const modes = opts === undefined ? [] : opts.split(',');
  const known = ['ro', 'rw', 'z', 'Z', 'nocopy', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
  const bad = modes.find((o) => !known.includes(o));
  if (bad !== undefined) throw invalid(`invalid volume option "${bad}" in "${spec}"`);
  if (modes.includes('ro') && modes.includes('rw')) throw invalid(`volume "${spec}" cannot be both ro and rw`);
  const source = isPath ? path.resolve(cwd, src) : src;
  return { bind: [source, absoluteTarget(dst, spec), ...(modes.length ? [modes.join(',')] : [])].join(':') };
}

/** `--tmpfs /path[:size=64m,mode=1777]` → HostConfig.Tmpfs. */
export function parseTmpfs(specs: string[]): Record<string, string> | undefined {
  if (!specs.length) return undefined;
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const i = spec.indexOf(':');
    out[absoluteTarget(i < 0 ? spec : spec.slice(0, i), spec)] = i < 0 ? '' : spec.slice(i + 1);
  }
  return out;
}

/**
 * `--env-file` files first, then `-e` values, in order. A bare `KEY` takes
 * the value from the local environment and is dropped when unset there.
 */
export function parseEnv(values: string[], files: string[], penv: ParseEnv): string[] | undefined {
  const fromFiles = files.flatMap((file) => penv.readFile(file).split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l.trim() && !l.startsWith('#')));
  const all = [...fromFiles, ...values].flatMap((entry) => {
    const i = entry.indexOf('=');
    if (i === 0) throw invalid(`invalid environment variable "${entry}"`);
    if (i > 0) return [entry];
    const name = entry.trimEnd();
    return penv.env[name] === undefined ? [] : [`${name}=${penv.env[name]}`];
  });
  return all.length ? all : undefined;
}

/** `k=v` (or a bare `k`, meaning an empty value) → labels. */
export function parseLabels(values: string[]): Record<string, string> | undefined {
  if (!values.length) return undefined;
  return Object.fromEntries(values.map((v) => {
    const i = v.indexOf('=');
    if (i === 0) throw invalid(`invalid label "${v}"`);
    return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
  }));
}

type Bindings = Record<string, { HostIp: string; HostPort: string }[]>;

/**
 * `-p [ip:][hostPort:]containerPort[/proto]` → ExposedPorts and PortBindings.
 * Ports may be ranges of equal length (`8000-8001:80-81`, one binding per
 * port); an IPv6 address goes in brackets (`[::1]:8080:80`); no host port
 * (`80`, `ip::80`) means a free one picked when the container starts.
 */
export function parsePorts(specs: string[]): { exposed?: Record<string, object>; bindings?: Bindings } {
  if (!specs.length) return {};
  const exposed: Record<string, object> = {};
  const bindings: Bindings = {};
  for (const { key, hostIp, hostPort } of specs.flatMap(parsePortSpec)) {
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: hostIp, HostPort: hostPort });
  }
  return { exposed, bindings };
}

function parsePortSpec(spec: string): { key: string; hostIp: string; hostPort: string }[] {
  const bad = (why = 'use [ip:][hostPort:]containerPort[/tcp|udp|sctp]') => invalid(`invalid port "${spec}": ${why}`);
  const [addr = '', proto = 'tcp', ...extra] = spec.split('/');
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(addr);
  const parts = (v6 ? v6[2]! : addr).split(':');
  const hostIp = v6 ? v6[1]! : parts.length === 3 ? parts.shift()! : '';
  if (extra.length || !['tcp', 'udp', 'sctp'].includes(proto) || parts.length > 2 || (v6 && parts.length !== 2)) throw bad();
  if (hostIp && !isIP(hostIp)) throw bad(`"${hostIp}" is not an IP address`);
  const [hostPorts, ctrPorts] = parts.length === 2 ? parts : ['', parts[0]!];
  const ctr = portRange(ctrPorts!);
  const host = hostPorts ? portRange(hostPorts) : undefined;
  if (!ctr || host === null) throw bad();
  const count = ctr[1] - ctr[0] + 1;
  if (host && count > 1 && host[1] - host[0] + 1 !== count) throw bad('the host and container port ranges differ in size');
  return Array.from({ length: count }, (_, i) => ({
    key: `${ctr[0] + i}/${proto}`,
    hostIp,
    hostPort: !host ? '' : count === 1 ? hostPorts! : String(host[0] + i),
  }));
}

/** `--expose port[-end][/proto]` → ExposedPorts keys (published only with -P). */
export function parseExpose(specs: string[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const spec of specs) {
    const [ports = '', proto = 'tcp', ...extra] = spec.split('/');
    const range = portRange(ports);
    if (!range || extra.length || !['tcp', 'udp', 'sctp'].includes(proto)) throw invalid(`invalid --expose "${spec}": use port[-end][/tcp|udp|sctp]`);
    for (let p = range[0]; p <= range[1]; p++) out[`${p}/${proto}`] = {};
  }
  return out;
}

/** "80" → [80, 80]; "8000-8010" → [8000, 8010]; null when not a port or range. */
function portRange(s: string): [number, number] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return null;
  const [start, end] = [Number(m[1]), Number(m[2] ?? m[1])];
  return start > 0 && end < 65536 && start <= end ? [start, end] : null;
}

/**
 * `--network`, `--network-alias`, `--ip`, `--link`, `--dns*`, `--add-host` →
 * HostConfig fields and NetworkingConfig (aliases and a fixed IP belong to
 * the endpoint on the one network given, which must be a user-defined one).
 */
export function parseNetworking(flags: RunFlags): { hostConfig: HostConfigRequest; networkingConfig?: NetworkingConfig } {
  const network = flags.network ?? flags.net;
  const aliases = flags.networkAlias ?? [];
  if ((aliases.length || flags.ip !== undefined) && !isUserNetwork(network)) {
    throw invalid('--network-alias and --ip need a user-defined network (--network NAME)');
  }
  if (flags.ip !== undefined && isIP(flags.ip) !== 4) throw invalid(`invalid --ip "${flags.ip}": not an IPv4 address`);
  const endpoint = aliases.length || flags.ip ? { Aliases: nonEmpty(aliases), IPAMConfig: flags.ip ? { IPv4Address: flags.ip } : undefined } : undefined;
  const dns = flags.dns ?? [];
  const badDns = dns.find((d) => !isIP(d));
  if (badDns !== undefined) throw invalid(`invalid --dns "${badDns}": not an IP address`);
  return {
    hostConfig: {
      NetworkMode: network,
      Links: nonEmpty((flags.link ?? []).map(parseLink)),
      Dns: nonEmpty(dns),
      DnsSearch: nonEmpty(flags.dnsSearch ?? []),
      DnsOptions: nonEmpty(flags.dnsOption ?? []),
      ExtraHosts: nonEmpty((flags.addHost ?? []).map(parseExtraHost)),
    },
    networkingConfig: endpoint && network ? { EndpointsConfig: { [network]: endpoint } } : undefined,
  };
}

/** `--link name[:alias]` → "name:alias" (the alias defaults to the name). */
export function parseLink(spec: string): string {
  const [name = '', alias = name, ...extra] = spec.replace(/^\//, '').split(':');
  if (!name || !alias || extra.length) throw invalid(`invalid --link "${spec}": use name[:alias]`);
  return `${name}:${alias}`;
}

/** `--add-host host:ip` (or `host=ip`, IPv6 in brackets or not, or `host-gateway`) → "host:ip". */
export function parseExtraHost(spec: string): string {
  const m = /^([^:=\s]+)[:=]\[?([^\]]*)\]?$/.exec(spec);
  if (!m || (m[2] !== 'host-gateway' && !isIP(m[2]!))) throw invalid(`invalid --add-host "${spec}": use host:ip`);
  return `${m[1]}:${m[2]}`;
}

function isUserNetwork(network: string | undefined): network is string {
  return !!network && !['bridge', 'default', 'host', 'none'].includes(network) && !network.startsWith('container:');
}

/** A non-negative integer flag value. */
export function parseInteger(value: string, what: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw invalid(`invalid ${what} "${value}": not an integer`);
  return Number(value);
}

function absoluteTarget(p: string, spec: string): string {
  if (!p.startsWith('/')) throw invalid(`invalid mount "${spec}": the container path must be absolute`);
  return p;
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}

function objectOf(keys: string[]): Record<string, object> | undefined {
  return keys.length ? Object.fromEntries(keys.map((k) => [k, {}])) : undefined;
}

/** `--storage-opt key=value` items → HostConfig.StorageOpt (the engine checks keys and sizes); volume create's `--opt` too. */
export function parseStorageOpts(items: string[], flag = '--storage-opt'): Record<string, string> | undefined {
  if (items.length === 0) return undefined;
  return keyValues(items, flag, flag === '--storage-opt' ? 'size=10G' : 'o=size=10G');
}

/** `key=value` items of a repeatable flag → an object; `Invalid`, naming the flag and an example, for an item without a key. */
function keyValues(items: string[], flag: string, example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw invalid(`invalid ${flag} "${item}": use key=value, e.g. ${example}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

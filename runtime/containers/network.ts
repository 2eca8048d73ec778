/**
 * A container's view of networking: which networks it asks for (from its
 * options), the ports it publishes, the links it has, and the /etc files and
 * environment those give it at start. The networks themselves are the
 * network manager's (`ctx.network`).
 */
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { parseMacAddress } from '../../lib/mac-address.js';
import type { ContainerContext } from './context.js';
import type { Container, CreateOptions } from './types.js';
import type { AttachRequest, EndpointRequest, Network, PortBinding, SandboxState } from '../network/types.js';

const DEFAULT_NAMES = new Set(['', 'default', 'bridge']);

/** The mode of a container's first network: its own namespace on networks, the host's, or only lo. */
export function networkKind(o: CreateOptions): 'host' | 'none' | 'networks' {
  if (o.networkMode === 'host') return 'host';
  if (o.networkMode === 'none') return 'none';
  return 'networks';
}

/** The networks a container joins, first one first, with the wish for each. */
export function requestedNetworks(o: CreateOptions): Array<{ name: string } & EndpointRequest> {
  if (networkKind(o) !== 'networks') return [];
  const first = DEFAULT_NAMES.has(o.networkMode ?? '') ? 'bridge' : o.networkMode!;
  const wishes = o.networks ?? {};
  const firstWish = wishes[first] ?? (first === 'bridge' ? wishes.default ?? {} : {});
  const more = Object.entries(wishes).filter(([n]) => n !== first && !(first === 'bridge' && n === 'default'));
  return [{ name: first, ...firstWish }, ...more.map(([name, w]) => ({ name, ...w }))];
}

/** Check at create that every network exists and the options fit the mode (Docker's messages). */
export function validateNetworking(ctx: ContainerContext, o: CreateOptions): void {
  const kind = networkKind(o);
  if (kind !== 'networks' && Object.keys(o.networks ?? {}).some((n) => n !== o.networkMode)) {
    throw invalid(`container sharing network namespace with another container or host cannot be connected to any other network`);
  }
  if (kind !== 'networks' && ((o.portBindings?.length ?? 0) > 0 || o.publishAllPorts)) {
    throw invalid(`conflicting options: port publishing and the container type network mode (${o.networkMode})`);
  }
  for (const n of requestedNetworks(o)) {
    const net = ctx.network.resolve(n.name);
    if (net.isDefault && (n.aliases?.length ?? 0) > 0) throw invalid('network-scoped alias is supported only for containers in user defined networks');
    if (n.macAddress) parseMacAddress(n.macAddress);
  }
  for (const l of o.links ?? []) if (!l.alias || !l.container) throw invalid(`invalid link ${l.container}:${l.alias}`);
}

/** Published ports: `-p` as given plus, with `-P`, every exposed port not already published. */
export function portsOf(c: Container): PortBinding[] {
  const o = c.record.options;
  const ports = [...(o.portBindings ?? [])];
  if (o.publishAllPorts) {
    for (const key of Object.keys(c.record.config.ExposedPorts ?? {})) {
      const [port, proto = 'tcp'] = key.split('/');
      const protocol = proto === 'udp' ? 'udp' : 'tcp';
      if (!ports.some((p) => p.containerPort === Number(port) && p.protocol === protocol)) {
        ports.push({ containerPort: Number(port), protocol, hostIp: '', hostPort: 0 });
      }
    }
  }
  return ports;
}

/** Attach a starting container to its networks; null for host and none. */
export async function attachNetworks(ctx: ContainerContext, c: Container): Promise<SandboxState | null> {
  const o = c.record.options;
  if (networkKind(o) !== 'networks') return null;
  const req: AttachRequest = {
    containerId: c.record.id, name: c.record.name, ports: portsOf(c),
    networks: requestedNetworks(o).map(({ name, ...wish }) => ({ networkId: ctx.network.resolve(name).id, ...wish })),
  };
  return ctx.network.attach(req);
}

/** What a link gives: a hosts entry and the variables Docker sets for it. */
export interface LinkInfo {
  hosts: string[];
  env: string[];
}

/** Resolve `--link`s at start: each target must run and share a network with this container. */
export function linkInfo(ctx: ContainerContext, c: Container, sandbox: SandboxState | null): LinkInfo {
  const out: LinkInfo = { hosts: [], env: [] };
  for (const link of c.record.options.links ?? []) {
    const target = ctx.store.resolve(link.container);
    const theirs = ctx.network.sandbox(target.record.id);
    const shared = theirs?.endpoints.find((e) => sandbox?.endpoints.some((m) => m.networkId === e.networkId));
    if (!theirs || !shared) throw conflict(`cannot link to ${link.container}: it is not running on a network of this container`);
    out.hosts.push(`${shared.ipAddress}\t${link.alias} ${target.record.id.slice(0, 12)} ${target.record.name}`);
    out.env.push(...linkEnv(link.alias, c.record.name, shared.ipAddress, target));
  }
  return out;
}

/** Docker's link variables: ALIAS_NAME, ALIAS_PORT[_<port>_<proto>[_ADDR|_PORT|_PROTO]], ALIAS_ENV_*. */
function linkEnv(alias: string, me: string, ip: string, target: Container): string[] {
  const p = alias.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const env = [`${p}_NAME=/${me}/${alias}`];
  const ports = Object.keys(target.record.config.ExposedPorts ?? {}).map((k) => k.split('/')).sort((a, b) => Number(a[0]) - Number(b[0]));
  ports.forEach(([port, proto = 'tcp'], i) => {
    const v = `${p}_PORT_${port}_${proto.toUpperCase()}`;
    if (i === 0) env.push(`${p}_PORT=${proto}://${ip}:${port}`);
    env.push(`${v}=${proto}://${ip}:${port}`, `${v}_ADDR=${ip}`, `${v}_PORT=${port}`, `${v}_PROTO=${proto}`);
  });
  const skip = new Set(['HOME', 'PATH', 'HOSTNAME']);
  for (const e of target.record.config.Env ?? []) {
    const key = e.split('=')[0];
    if (!skip.has(key)) env.push(`${p}_ENV_${e}`);
  }
  return env;
}

/** /etc/hosts of a container on networks: localhost, its own addresses, links, --add-host. */
export function hostsFile(hostname: string, sandbox: SandboxState | null, links: LinkInfo, extraHosts: string[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const own = sandbox?.endpoints[0]?.ipAddress;
  lines.push(own ? `${own}\t${hostname}` : `127.0.1.1\t${hostname}`);
  lines.push(...links.hosts);
  for (const h of extraHosts) {
    const i = h.indexOf(':');
    lines.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
  }
  return `${lines.join('\n')}\n`;
}

const isUp = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

/** `network connect`: remember the network in the container's options; plug it in at once when running. Caller holds the lock. */
export async function connectContainer(ctx: ContainerContext, c: Container, net: Network, wish: EndpointRequest): Promise<void> {
  const o = c.record.options;
  if (o.networkMode === 'host' || net.driver !== 'bridge') {
    throw invalid('container cannot be disconnected from host network or connected to host network');
  }
  // A running container created with --network none has no namespace of ours to plug into; one whose last network was disconnected keeps its own.
  if (o.networkMode === 'none' && isUp(c) && !ctx.network.sandbox(c.record.id)) {
    throw invalid('container sharing network namespace with another container or host cannot be connected to any other network');
  }
  if (attachedIds(ctx, o).includes(net.id)) throw conflict(`endpoint with name ${c.record.name} already exists in network ${net.name}`);
  if (isUp(c)) await ctx.network.connect(c.record.id, c.record.name, { networkId: net.id, ...wish });
  const next: CreateOptions = o.networkMode === 'none'
    ? { ...o, networkMode: net.name, networks: { [net.name]: wish } }
    : { ...o, networks: { ...(o.networks ?? {}), [net.name]: wish } };
  await ctx.store.saveOptions(c.record.id, next);
}

/** `network disconnect`: forget the network; unplug it at once when running. Caller holds the lock. */
export async function disconnectContainer(ctx: ContainerContext, c: Container, net: Network): Promise<void> {
  const o = c.record.options;
  const list = requestedNetworks(o);
  const i = list.findIndex((n) => networkIdOf(ctx, n.name) === net.id);
  if (i < 0) throw conflict(`container ${c.record.id} is not connected to network ${net.name}`);
  if (isUp(c)) await ctx.network.disconnect(c.record.id, net.id);
  const rest = list.filter((_, j) => j !== i);
  const networks = Object.fromEntries(rest.map(({ name, ...wish }) => [name, wish]));
  await ctx.store.saveOptions(c.record.id, { ...o, networkMode: rest.length > 0 ? rest[0].name : 'none', networks });
}

/**
 * `docker rm --link <container>/<alias>`: the container forgets its legacy
 * link `alias` (on its next start there is no hosts entry or variable for
 * it; a running one keeps what it was started with, as with dockerd's
 * /etc/hosts). Caller holds the lock.
 */
export async function removeLink(ctx: ContainerContext, c: Container, alias: string): Promise<void> {
  const o = c.record.options;
  const rest = (o.links ?? []).filter((l) => l.alias !== alias);
  if (rest.length === (o.links ?? []).length) throw notFound(`No such link: /${c.record.name}/${alias}`);
  await ctx.store.saveOptions(c.record.id, { ...o, links: rest.length > 0 ? rest : undefined });
}

/** IDs of the networks a container asks for (a network removed since is skipped). */
function attachedIds(ctx: ContainerContext, o: CreateOptions): string[] {
  return requestedNetworks(o).map((n) => networkIdOf(ctx, n.name)).filter((id): id is string => id !== null);
}

function networkIdOf(ctx: ContainerContext, name: string): string | null {
  try {
    return ctx.network.resolve(name).id;
  } catch {
    return null; // the network was removed since: skipped, as documented above
  }
}

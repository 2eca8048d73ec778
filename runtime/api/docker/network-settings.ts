/**
 * A container's networking as Docker shows it: inspect's `NetworkSettings`
 * and the networking fields of `HostConfig`, and `ps`'s `Ports` and
 * `NetworkSettings.Networks`.
 *
 * While a container runs its endpoints (addresses, MACs, resolved host ports)
 * come from the engine's live `Container.network`; otherwise Docker shows the
 * networks the container is configured for with empty addresses, and no ports.
 */
import { createHash } from 'node:crypto';
import type { Container, CreateOptions } from '../../containers/types.js';
import type { Endpoint, EndpointRequest, PortBinding, SandboxState } from '../../network/types.js';
import { requestedNetworks } from '../../containers/network.js';
import { endpointId } from './network-json.js';
import type { EndpointIPAMConfig, EndpointSettings, HostConfig, NetworkSettings, Port, PortMap } from './types.js';

/** Network name → ID, to show the NetworkID of networks a stopped container is configured for. */
export type NetworkIds = ReadonlyMap<string, string>;

/** Inspect's `NetworkSettings`; the top-level address fields are those of the default network `bridge`, as in dockerd. */
export function networkSettingsJson(c: Container, ids: NetworkIds = new Map()): NetworkSettings {
  const sb = liveNetwork(c);
  const main = sb?.endpoints.find((e) => e.networkName === 'bridge');
  return {
    Bridge: '',
    SandboxID: sb ? createHash('sha256').update(sb.netns).digest('hex') : '',
    SandboxKey: sb?.netns ?? '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: portMapJson(c),
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: main ? endpointId(main.networkId, c.record.id) : '',
    Gateway: main?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: main?.ipAddress ?? '',
    IPPrefixLen: main?.prefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: main?.macAddress ?? '',
    Networks: networksJson(c, ids),
  };
}

/** `{"80/tcp": [{HostIp, HostPort}]}` for published ports while running, `null` for exposed ones not published; `{}` otherwise. */
export function portMapJson(c: Container): PortMap {
  const sb = liveNetwork(c);
  if (!sb) return {};
  const out: PortMap = {};
  for (const key of Object.keys(c.record.config.ExposedPorts ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of sb.ports) {
    (out[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return out;
}

/** `ps`'s `Ports`: one entry per published binding, and the bare exposed ports. */
export function portListJson(c: Container): Port[] {
  return Object.entries(portMapJson(c)).flatMap(([key, bindings]) => {
    const [port, type] = key.split('/');
    const PrivatePort = Number(port);
    if (!bindings) return [{ PrivatePort, Type: type }];
    return bindings.map((b) => ({ IP: b.HostIp, PrivatePort, PublicPort: Number(b.HostPort), Type: type }));
  });
}

/** `Networks`: the live endpoints while running, else the configured networks with empty addresses. */
export function networksJson(c: Container, ids: NetworkIds = new Map()): Record<string, EndpointSettings> {
  const o = c.record.options;
  const out: Record<string, EndpointSettings> = {};
  const live = liveNetwork(c)?.endpoints;
  if (live) {
    for (const e of live) out[e.networkName] = endpointJson(c, e.networkName, e.networkId, e);
    return out;
  }
  for (const { name } of configuredNetworks(o)) out[name] = endpointJson(c, name, ids.get(name) ?? '', null);
  return out;
}

/**
 * The sandbox of a running (or paused) container. The engine tears a sandbox
 * down only after it has recorded the exit, so for a moment an exited
 * container may still have one; Docker shows none then.
 */
function liveNetwork(c: Container): SandboxState | null {
  return c.state.status === 'running' || c.state.status === 'paused' ? c.network ?? null : null;
}

/** host and none are shown as networks of their own, like dockerd does. */
function configuredNetworks(o: CreateOptions): Array<{ name: string }> {
  if (o.networkMode === 'host' || o.networkMode === 'none') return [{ name: o.networkMode }];
  return requestedNetworks(o);
}

function endpointJson(c: Container, name: string, networkId: string, e: Endpoint | null): EndpointSettings {
  const wish = c.record.options.networks?.[name] ?? {};
  const aliases = e?.aliases ?? wish.aliases ?? [];
  const userNetwork = !['bridge', 'host', 'none'].includes(name);
  return {
    IPAMConfig: ipamConfigJson(wish),
    Links: wish.links?.length ? wish.links.map((l) => `${l.container}:${l.alias}`) : null,
    Aliases: aliases.length > 0 ? aliases : null,
    MacAddress: e?.macAddress ?? wish.macAddress ?? '',
    DriverOpts: wish.driverOpts ?? null,
    NetworkID: networkId,
    EndpointID: e ? endpointId(networkId, c.record.id) : '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ipAddress ?? '',
    IPPrefixLen: e?.prefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: userNetwork && e ? [...new Set([c.record.name, ...aliases, c.record.id.slice(0, 12)])] : null,
  };
}

/** An endpoint's IPAMConfig: null unless a fixed or link-local address was asked for. */
function ipamConfigJson(wish: EndpointRequest): EndpointIPAMConfig | null {
  if (!wish.ipv4Address && !wish.linkLocalIps?.length) return null;
  return { ...(wish.ipv4Address ? { IPv4Address: wish.ipv4Address } : {}), ...(wish.linkLocalIps?.length ? { LinkLocalIPs: wish.linkLocalIps } : {}) };
}

/** HostConfig's networking fields, as the container was created. */
export function hostNetworkingJson(o: CreateOptions, name: string): Pick<HostConfig, 'NetworkMode' | 'PortBindings' | 'PublishAllPorts' | 'Links'
  | 'Dns' | 'DnsOptions' | 'DnsSearch' | 'ExtraHosts'> {
  return {
    NetworkMode: o.networkMode ?? 'default',
    PortBindings: portBindingsJson(o.portBindings ?? []),
    PublishAllPorts: o.publishAllPorts ?? false,
    Links: o.links?.length ? o.links.map((l) => `/${l.container}:/${name}/${l.alias}`) : null,
    Dns: o.dns ?? [],
    DnsOptions: o.dnsOptions ?? [],
    DnsSearch: o.dnsSearch ?? [],
    ExtraHosts: o.extraHosts ?? null,
  };
}

function portBindingsJson(bindings: PortBinding[]): HostConfig['PortBindings'] {
  const out: HostConfig['PortBindings'] = {};
  for (const b of bindings) {
    (out[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: b.hostPort ? String(b.hostPort) : '' });
  }
  return out;
}

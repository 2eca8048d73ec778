/**
 * Docker's network resource JSON, its `network ls` filters, and the bodies of
 * `network create` and of endpoint settings (`network connect`, create's
 * `NetworkingConfig`) → tspaas networks and endpoint requests.
 */
import { parseMacAddress } from '../../../lib/mac-address.js';
import { hasLabel } from '../../../lib/labels.js';
import { createHash } from 'node:crypto';
import { invalid } from '../../../lib/errors.js';
import type { NetworkInfo } from '../../types.js';
import { isIPv4, isIPv6 } from 'node:net';
import type { CreateNetworkOptions, EndpointRequest, Link } from '../../network/types.js';
import { checkFilterNames, type Filters } from './filters.js';
import type { EndpointConfig, IPAMConfig, Network, NetworkContainer, NetworkCreateRequest } from './types.js';

/** The networks every engine has and nobody may remove (`type=builtin`). */
const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** `GET /networks/{id}`; `GET /networks` passes `withContainers = false`, as dockerd lists no containers since API 1.28. */
export function networkJson(n: NetworkInfo, withContainers = true): Network {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: n.subnet ? [ipamConfigJson(n)] : [] },
    Internal: n.internal,
    Attachable: n.attachable ?? false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers ? containersJson(n) : {},
    Options: n.isDefault ? { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': n.bridge, ...n.options } : n.options,
    Labels: n.labels,
  };
}

/** One IPAM config as dockerd shows it: IPRange and AuxiliaryAddresses only when set. */
function ipamConfigJson(n: NetworkInfo): IPAMConfig {
  return {
    Subnet: n.subnet,
    ...(n.ipRange ? { IPRange: n.ipRange } : {}),
    Gateway: n.gateway,
    ...(n.auxAddresses ? { AuxiliaryAddresses: n.auxAddresses } : {}),
  };
}

function containersJson(n: NetworkInfo): Record<string, NetworkContainer> {
  const out: Record<string, NetworkContainer> = {};
  for (const { containerId, name, endpoint: e } of n.containers) {
    out[containerId] = {
      Name: name,
      EndpointID: endpointId(n.id, containerId),
      MacAddress: e.macAddress,
      IPv4Address: `${e.ipAddress}/${e.prefixLen}`,
      IPv6Address: '',
    };
  }
  return out;
}

/** The engine has no endpoint IDs; Docker clients only show them, so one is derived from the network and the container. */
export function endpointId(networkId: string, containerId: string): string {
  return createHash('sha256').update(`${networkId}/${containerId}`).digest('hex');
}

/** `network ls` filters: name and id (substrings, as dockerd's pattern match), driver, label, type=custom|builtin, dangling, scope. */
export function filterNetworks(list: NetworkInfo[], f: Filters): NetworkInfo[] {
  checkFilterNames(f, ['name', 'id', 'driver', 'label', 'type', 'dangling', 'scope']);
  const types = (f.type ?? []).map((v) => oneOf('type', v, ['custom', 'builtin']));
  const dangling = (f.dangling ?? []).map((v) => ['true', '1'].includes(oneOf('dangling', v, ['true', 'false', '1', '0'])));
  const scopes = (f.scope ?? []).map((v) => oneOf('scope', v, ['local', 'swarm', 'global']));
  return list.filter((n) => {
    const builtin = PREDEFINED.has(n.name);
    return some(f.name, (v) => n.name.includes(v))
      && some(f.id, (v) => n.id.includes(v))
      && some(f.driver, (v) => v === n.driver)
      && (f.label ?? []).every((l) => hasLabel(n.labels, l))
      && some(types, (v) => (v === 'builtin') === builtin)
      && some(dangling, (v) => v === (!builtin && n.containers.length === 0))
      && some(scopes, (v) => v === 'local');
  });
}

/** No values = no constraint; otherwise any value may match. */
function some<T>(values: T[] | undefined, test: (v: T) => boolean): boolean {
  return !values?.length || values.some(test);
}

function oneOf(filter: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value)) throw invalid(`invalid filter: '${filter}'='${value}'`);
  return value;
}

/**
 * `POST /networks/create` → `CreateNetworkOptions`; swarm and IPv6 settings
 * are refused, never dropped. `Attachable` is kept, as a non-swarm dockerd
 * keeps it on a local network (any container may join one anyway). `CheckDuplicate` changes nothing: a name is
 * always unique, as in dockerd since API 1.44.
 */
export function toCreateNetworkOptions(body: NetworkCreateRequest | undefined): CreateNetworkOptions {
  if (!body?.Name) throw invalid('network name is required (Name)');
  refuseUnsupportedNetwork(body);
  const ipam = body.IPAM?.Config ?? [];
  if (ipam.length > 1) throw invalid('only one IPAM config (one IPv4 subnet) per network is supported');
  const cfg = ipam[0] ?? {};
  if ([cfg.Subnet, cfg.Gateway, cfg.IPRange].some((v) => v?.includes(':'))) throw invalid('IPv6 subnets are not supported: the engine\'s networks are IPv4 only');
  const aux = cfg.AuxiliaryAddresses ?? {};
  if (Object.keys(aux).length > 0 && !cfg.Subnet) throw invalid('aux addresses (--aux-address) need a subnet (--subnet)');
  if (cfg.IPRange && !cfg.Subnet) throw invalid('an IP range (--ip-range) needs a subnet (--subnet)');
  return dropUndefined({
    name: body.Name,
    driver: body.Driver || undefined,
    subnet: cfg.Subnet || undefined,
    gateway: cfg.Gateway || undefined,
    ipRange: cfg.IPRange || undefined,
    auxAddresses: Object.keys(aux).length > 0 ? aux : undefined,
    internal: body.Internal || undefined,
    attachable: body.Attachable || undefined,
    labels: body.Labels ?? undefined,
    options: body.Options ?? undefined,
  });
}

function refuseUnsupportedNetwork(body: NetworkCreateRequest): void {
  if (body.EnableIPv6) throw invalid('IPv6 networks are not supported (EnableIPv6): the engine\'s networks are IPv4 only');
  if (body.IPAM?.Driver && body.IPAM.Driver !== 'default') throw invalid(`IPAM driver "${body.IPAM.Driver}" is not supported; only "default"`);
  if (Object.keys(body.IPAM?.Options ?? {}).length > 0) throw invalid('IPAM options are not supported');
  if (body.Ingress || body.ConfigOnly || body.ConfigFrom?.Network) {
    throw invalid('swarm network settings (ingress, config-only, config-from) are not supported');
  }
  if (body.Scope && body.Scope !== 'local') throw invalid(`network scope "${body.Scope}" is not supported; only "local"`);
}

/** One network's endpoint settings → `EndpointRequest` (aliases, fixed IPv4 address, link-local addresses, links, driver options). */
export function toEndpointRequest(ec: EndpointConfig | null | undefined): EndpointRequest {
  if (!ec) return {};
  if (ec.IPAMConfig?.IPv6Address) throw invalid('IPv6 addresses (--ip6) are not supported: the engine\'s networks are IPv4 only');
  const linkLocal = ec.IPAMConfig?.LinkLocalIPs ?? [];
  for (const ip of linkLocal) checkLinkLocal(ip);
  const driverOpts = ec.DriverOpts ?? {};
  return dropUndefined({
    aliases: ec.Aliases?.length ? ec.Aliases : undefined,
    ipv4Address: ec.IPAMConfig?.IPv4Address || undefined,
    macAddress: ec.MacAddress ? parseMacAddress(ec.MacAddress) : undefined,
    linkLocalIps: linkLocal.length > 0 ? [...new Set(linkLocal)] : undefined,
    links: ec.Links?.length ? ec.Links.map(parseLink) : undefined,
    driverOpts: Object.keys(driverOpts).length > 0 ? Object.fromEntries(Object.entries(driverOpts).map(([k, v]) => [k, String(v)])) : undefined,
  });
}

/** dockerd's rule for --link-local-ip: a link-local unicast address; IPv6 ones are refused with the rest of IPv6. */
function checkLinkLocal(ip: string): void {
  if (isIPv6(ip)) throw invalid(`link-local address ${ip}: IPv6 is not supported`);
  if (!isIPv4(ip) || !ip.startsWith('169.254.') || ip === '169.254.0.0' || ip === '169.254.255.255') {
    throw invalid(`invalid link-local IP address: ${ip}`);
  }
}

/** `name:alias`, `name` (alias = name) or dockerd's stored form `/name:/me/alias`. */
export function parseLink(text: string): Link {
  const i = text.indexOf(':');
  const container = (i < 0 ? text : text.slice(0, i)).replace(/^\//, '');
  const alias = i < 0 ? container : text.slice(i + 1).split('/').pop() ?? '';
  if (!container || !alias) throw invalid(`invalid link ${text}: expected name:alias`);
  return { container, alias };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

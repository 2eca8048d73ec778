/**
 * Docker's network resource JSON, its `network ls` filters, and the bodies of
 * `network create` and of endpoint settings (`network connect`, create's
 * `NetworkingConfig`) → tspaas networks and endpoint requests.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../../../lib/errors.js';
import type { NetworkInfo } from '../../types.js';
import type { CreateNetworkOptions, EndpointRequest } from '../../network/types.js';
import { checkFilterNames, matchLabel, type Filters } from './filters.js';

/** The networks every engine has and nobody may remove (`type=builtin`). */
const PREDEFINED = new Set(['bridge', 'host', 'none']);

export interface DockerIpamConfig {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string> | null;
}

export interface DockerNetworkCreateBody {
  Name?: string;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv6?: boolean | null;
  CheckDuplicate?: boolean;
  IPAM?: { Driver?: string; Config?: DockerIpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

/** Docker's EndpointSettings as clients send it (output-only fields are ignored). */
export interface DockerEndpointConfig {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  Links?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

/** `GET /networks/{id}`; `GET /networks` passes `withContainers = false`, as dockerd lists no containers since API 1.28. */
export function networkJson(n: NetworkInfo, withContainers = true): object {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [] },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: withContainers ? containersJson(n) : {},
    Options: n.isDefault ? { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': n.bridge, ...n.options } : n.options,
    Labels: n.labels,
  };
}

function containersJson(n: NetworkInfo): Record<string, object> {
  const out: Record<string, object> = {};
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
      && (f.label ?? []).every((l) => matchLabel(n.labels, l))
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

/** `POST /networks/create` → `CreateNetworkOptions`; swarm and IPv6 settings are refused, never dropped. */
export function toCreateNetworkOptions(body: DockerNetworkCreateBody | undefined): CreateNetworkOptions {
  if (!body?.Name) throw invalid('network name is required (Name)');
  refuseUnsupportedNetwork(body);
  const ipam = body.IPAM?.Config ?? [];
  if (ipam.length > 1) throw invalid('only one IPAM config (one IPv4 subnet) per network is supported');
  const cfg = ipam[0] ?? {};
  if (cfg.IPRange) throw invalid('IPAM IPRange (--ip-range) is not supported; addresses come from the whole subnet');
  if (Object.keys(cfg.AuxiliaryAddresses ?? {}).length > 0) throw invalid('IPAM AuxiliaryAddresses (--aux-address) are not supported');
  if (cfg.Subnet?.includes(':') || cfg.Gateway?.includes(':')) throw invalid('IPv6 subnets are not supported');
  return dropUndefined({
    name: body.Name,
    driver: body.Driver || undefined,
    subnet: cfg.Subnet || undefined,
    gateway: cfg.Gateway || undefined,
    internal: body.Internal || undefined,
    labels: body.Labels ?? undefined,
    options: body.Options ?? undefined,
  });
}

function refuseUnsupportedNetwork(body: DockerNetworkCreateBody): void {
  if (body.EnableIPv6) throw invalid('IPv6 networks are not supported (EnableIPv6)');
  if (body.IPAM?.Driver && body.IPAM.Driver !== 'default') throw invalid(`IPAM driver "${body.IPAM.Driver}" is not supported; only "default"`);
  if (Object.keys(body.IPAM?.Options ?? {}).length > 0) throw invalid('IPAM options are not supported');
  if (body.Attachable || body.Ingress || body.ConfigOnly || body.ConfigFrom?.Network) {
    throw invalid('swarm network settings (attachable, ingress, config-only, config-from) are not supported');
  }
  if (body.Scope && body.Scope !== 'local') throw invalid(`network scope "${body.Scope}" is not supported; only "local"`);
}

/** One network's endpoint settings → `EndpointRequest` (aliases, fixed IPv4 address). */
export function toEndpointRequest(ec: DockerEndpointConfig | null | undefined): EndpointRequest {
  if (!ec) return {};
  if (ec.IPAMConfig?.IPv6Address) throw invalid('IPv6 addresses (--ip6) are not supported');
  if ((ec.IPAMConfig?.LinkLocalIPs?.length ?? 0) > 0) throw invalid('link-local addresses (--link-local-ip) are not supported');
  if ((ec.Links?.length ?? 0) > 0) throw invalid('links on an endpoint are not supported; use --link when creating the container');
  if (ec.MacAddress) throw invalid('a fixed MAC address (--mac-address) is not supported');
  if (Object.keys(ec.DriverOpts ?? {}).length > 0) throw invalid('endpoint driver options (--driver-opt) are not supported');
  return dropUndefined({
    aliases: ec.Aliases?.length ? ec.Aliases : undefined,
    ipv4Address: ec.IPAMConfig?.IPv4Address || undefined,
  });
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

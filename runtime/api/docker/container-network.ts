/**
 * The networking part of Docker's `POST /containers/create` body (HostConfig's
 * NetworkMode, PortBindings, PublishAllPorts, Links, Dns*, ExtraHosts and
 * NetworkingConfig.EndpointsConfig) → the matching `CreateOptions` fields.
 */
import { isIP, isIPv4 } from 'node:net';
import { invalid } from '../../../lib/errors.js';
import { parseMacAddress } from '../../../lib/mac-address.js';
import type { CreateOptions } from '../../containers/types.js';
import type { EndpointRequest, Link, PortBinding } from '../../network/types.js';

export { parseLink };
import { parseLink, toEndpointRequest } from './network-json.js';
import type { EndpointConfig, HostConfigRequest, NetworkingConfig } from './types.js';

const DEFAULT_NETWORK = new Set(['bridge', 'default']);

/**
 * The networking `CreateOptions` of a create request (undefined fields for
 * what was not asked). Links on the default network are legacy links (hosts
 * entries and variables); on a user network they are its endpoint's,
 * answered by its DNS responder — `HostConfig.Links` of a container whose
 * network mode is a user network too, as dockerd keeps legacy links to the
 * default bridge (the docker CLI sends `--link` both ways).
 */
export function networkingOptions(hc: HostConfigRequest, nc: NetworkingConfig | null | undefined, containerMac?: string): Partial<CreateOptions> {
  const mode = hc.NetworkMode ?? '';
  const userMode = !['', 'host', 'none', ...DEFAULT_NETWORK].includes(mode) && !mode.startsWith('container:');
  const endpoints = withContainerMac(Object.entries(nc?.EndpointsConfig ?? {}), mode, containerMac);
  if (userMode && (hc.Links?.length ?? 0) > 0) {
    const own = endpoints.find(([name]) => name === mode);
    const ec = { ...(own?.[1] ?? {}), Links: [...(hc.Links ?? []), ...(own?.[1]?.Links ?? [])] };
    endpoints.splice(own ? endpoints.indexOf(own) : endpoints.length, own ? 1 : 0, [mode, ec]);
  }
  const legacy = (name: string) => DEFAULT_NETWORK.has(name);
  const endpointLinks = endpoints.flatMap(([name, ec]) => (legacy(name) ? ec?.Links ?? [] : []));
  const networks: Record<string, EndpointRequest> = Object.fromEntries(
    endpoints.map(([name, ec]) => [name, toEndpointRequest(ec ? { ...ec, Links: legacy(name) ? null : uniqueLinkTexts(ec.Links) } : ec)]),
  );
  const links = uniqueLinks([...(userMode ? [] : hc.Links ?? []), ...endpointLinks].map(parseLink));
  return {
    networkMode: networkMode(hc.NetworkMode),
    networks: endpoints.length > 0 ? networks : undefined,
    portBindings: nonEmpty(portBindings(hc.PortBindings)),
    publishAllPorts: hc.PublishAllPorts || undefined,
    links: nonEmpty(links),
    dns: nonEmpty(hc.Dns),
    dnsSearch: nonEmpty(hc.DnsSearch),
    dnsOptions: nonEmpty(hc.DnsOptions),
    extraHosts: nonEmpty(hc.ExtraHosts?.map(parseExtraHost)),
  };
}

/**
 * `Config.MacAddress` (the container-wide MAC of API < 1.44 clients) goes to
 * the main network's endpoint, as dockerd moves it there; an endpoint MAC of
 * that network that differs is refused, and so is a MAC in host or none mode.
 */
function withContainerMac(endpoints: Array<[string, EndpointConfig | null]>, mode: string, mac: string | undefined) {
  if (!mac) return endpoints;
  if (mode === 'host' || mode === 'none') throw invalid(`conflicting options: mac-address and the network mode (${mode})`);
  const main = DEFAULT_NETWORK.has(mode) || mode === '' ? ['bridge', 'default', ''] : [mode];
  const own = endpoints.find(([name]) => main.includes(name));
  if (own?.[1]?.MacAddress && parseMacAddress(own[1].MacAddress) !== parseMacAddress(mac)) {
    throw invalid('the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty');
  }
  const rest = endpoints.filter((e) => e !== own);
  return [[own?.[0] || (mode || 'bridge'), { ...(own?.[1] ?? {}), MacAddress: mac }] as [string, EndpointConfig | null], ...rest];
}

/** The image-config ExposedPorts of a create request plus every published port, as dockerd records them. */
export function exposedPorts(exposed: Record<string, object> | null | undefined, bindings: PortBinding[] | undefined): Record<string, object> | undefined {
  if (!bindings?.length) return exposed ?? undefined;
  const out: Record<string, object> = { ...(exposed ?? {}) };
  for (const b of bindings) out[`${b.containerPort}/${b.protocol}`] ??= {};
  return out;
}

/** "", "default" and "bridge" mean the engine's default network; `container:<id>` is refused; other modes pass through. */
function networkMode(mode: string | undefined): string | undefined {
  if (!mode || mode === 'default' || mode === 'bridge') return undefined;
  if (mode.startsWith('container:')) throw invalid(`network mode ${mode} (sharing another container's network namespace) is not supported`);
  return mode;
}

/** `{"80/tcp": [{HostIp, HostPort}]}` → one binding per entry; HostPort "" = a free port at start; ranges are refused. */
export function portBindings(pb: HostConfigRequest['PortBindings']): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(pb ?? {})) {
    const { port, protocol } = parsePortKey(key);
    for (const b of bindings ?? []) {
      out.push({ containerPort: port, protocol, hostIp: hostIp(b.HostIp ?? ''), hostPort: hostPort(b.HostPort ?? '', key) });
    }
  }
  return out;
}

/** "80", "80/tcp", "53/udp" → port and protocol. */
export function parsePortKey(key: string): { port: number; protocol: 'tcp' | 'udp' } {
  const [port = '', proto = 'tcp'] = key.split('/');
  if (port.includes('-')) throw invalid(`port ranges are not supported: ${key}; publish each port on its own`);
  if (proto !== 'tcp' && proto !== 'udp') throw invalid(`invalid protocol ${proto} in ${key}: only tcp and udp are supported`);
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw invalid(`invalid port ${key}`);
  return { port: n, protocol: proto };
}

function hostIp(ip: string): string {
  if (ip === '' || ip === '0.0.0.0') return '';
  if (!isIPv4(ip)) throw invalid(`invalid host IP ${ip} for a published port: only IPv4 addresses are supported`);
  return ip;
}

function hostPort(text: string, key: string): number {
  if (text === '') return 0;
  if (text.includes('-')) throw invalid(`host port ranges are not supported: ${text} for ${key}; give one port, or none for a free one`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw invalid(`invalid host port ${text} for ${key}`);
  return n;
}

/** Link texts with one per alias (the last wins), as given. */
function uniqueLinkTexts(texts: string[] | null | undefined): string[] | null {
  return texts?.length ? uniqueLinks(texts.map(parseLink)).map((l) => `${l.container}:${l.alias}`) : null;
}

/** One link per alias; the last one given wins, as in dockerd. */
function uniqueLinks(links: Link[]): Link[] {
  return [...new Map(links.map((l) => [l.alias, l])).values()];
}

/** `name:ip` (or the CLI's `name=ip`) with a literal IP, as `name:ip`; `host-gateway` is refused. */
export function parseExtraHost(text: string): string {
  const eq = text.indexOf('=');
  const i = eq >= 0 ? eq : text.indexOf(':');
  const name = text.slice(0, i);
  const ip = text.slice(i + 1).replace(/^\[(.*)\]$/, '$1');
  if (i <= 0) throw invalid(`invalid extra host ${text}: expected name:ip`);
  if (ip === 'host-gateway') throw invalid(`extra host ${text}: host-gateway is not supported; give the address`);
  if (!isIP(ip)) throw invalid(`invalid IP address in extra host ${text}`);
  return `${name}:${ip}`;
}

function nonEmpty<T>(list: T[] | null | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

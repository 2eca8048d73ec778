/**
 * The networking part of Docker's `POST /containers/create` body (HostConfig's
 * NetworkMode, PortBindings, PublishAllPorts, Links, Dns*, ExtraHosts and
 * NetworkingConfig.EndpointsConfig) → the matching `CreateOptions` fields.
 */
import { isIP, isIPv4 } from 'node:net';
import { invalid } from '../../../lib/errors.js';
import type { CreateOptions } from '../../containers/types.js';
import type { EndpointRequest, Link, PortBinding } from '../../network/types.js';
import { toEndpointRequest, type DockerEndpointConfig } from './network-json.js';

/** HostConfig's networking fields. */
export interface DockerHostNetworking {
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  PublishAllPorts?: boolean;
  Links?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  ExtraHosts?: string[] | null;
}

export interface DockerNetworkingConfig {
  EndpointsConfig?: Record<string, DockerEndpointConfig | null> | null;
}

/** The networking `CreateOptions` of a create request (undefined fields for what was not asked). */
export function networkingOptions(hc: DockerHostNetworking, nc: DockerNetworkingConfig | null | undefined): Partial<CreateOptions> {
  const endpoints = Object.entries(nc?.EndpointsConfig ?? {});
  const endpointLinks = endpoints.flatMap(([, ec]) => ec?.Links ?? []);
  const networks: Record<string, EndpointRequest> = Object.fromEntries(
    endpoints.map(([name, ec]) => [name, toEndpointRequest(ec ? { ...ec, Links: null } : ec)]),
  );
  const links = uniqueLinks([...(hc.Links ?? []), ...endpointLinks].map(parseLink));
  return {
    networkMode: networkMode(hc.NetworkMode),
    networks: endpoints.length > 0 ? networks : undefined,
    portBindings: nonEmpty(portBindings(hc.PortBindings)),
    publishAllPorts: hc.PublishAllPorts || undefined,
    links: nonEmpty(links),
    dns: nonEmpty(hc.Dns),
    dnsSearch: nonEmpty(hc.DnsSearch),
    dnsOptions: nonEmpty(hc.DnsOptions),
    extraHosts: nonEmpty(hc.ExtraHosts?.map(extraHost)),
  };
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
export function portBindings(pb: DockerHostNetworking['PortBindings']): PortBinding[] {
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

/** `name:alias`, `name` (alias = name) or dockerd's stored form `/name:/me/alias`. */
export function parseLink(text: string): Link {
  const i = text.indexOf(':');
  const container = (i < 0 ? text : text.slice(0, i)).replace(/^\//, '');
  const alias = i < 0 ? container : text.slice(i + 1).split('/').pop() ?? '';
  if (!container || !alias) throw invalid(`invalid link ${text}: expected name:alias`);
  return { container, alias };
}

/** One link per alias; the last one given wins, as in dockerd. */
function uniqueLinks(links: Link[]): Link[] {
  return [...new Map(links.map((l) => [l.alias, l])).values()];
}

/** `name:ip` (or the CLI's `name=ip`) with a literal IP; `host-gateway` is refused. */
function extraHost(text: string): string {
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

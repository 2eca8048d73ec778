/**
 * How published ports read to humans: `docker ps`'s PORTS column (from the
 * container list's `Ports`) and `docker port`'s lines (from inspect's
 * `NetworkSettings.Ports`). Pure functions over the Engine API's shapes.
 */
import { isIPv6 } from 'node:net';
import { invalid } from '../lib/errors.js';
import type { Port, PortMap } from '../runtime/api/docker/types.js';

/** "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/tcp": sorted by port, duplicates dropped. */
export function formatPortSummaries(ports: Port[]): string {
  const sorted = [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort || a.Type.localeCompare(b.Type)
    || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || Number(isIPv6(a.IP ?? '')) - Number(isIPv6(b.IP ?? '')));
  const text = sorted.map((p) => (p.PublicPort ? `${hostAddress(p.IP ?? '', p.PublicPort)}->` : '') + `${p.PrivatePort}/${p.Type}`);
  return [...new Set(text)].join(', ');
}

/**
 * `docker port`: "80/tcp -> 0.0.0.0:32768" for every published port, or only
 * the host addresses ("0.0.0.0:32768") of `privatePort` ("80" or "80/udp").
 */
export function portLines(ports: PortMap, privatePort?: string): string[] {
  const wanted = privatePort === undefined ? undefined : portKey(privatePort);
  const entries = Object.entries(ports)
    .filter(([key]) => wanted === undefined || key === wanted)
    .sort(([a], [b]) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
  return entries.flatMap(([key, bindings]) => (bindings ?? []).map((b) => {
    const host = hostAddress(b.HostIp, b.HostPort);
    return wanted === undefined ? `${key} -> ${host}` : host;
  }));
}

/** "80" → "80/tcp"; "53/udp" stays; anything else is refused. */
export function portKey(spec: string): string {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw invalid(`invalid port "${spec}": use PORT[/tcp|udp|sctp]`);
  return `${Number(m[1])}/${m[2] ?? 'tcp'}`;
}

/** "0.0.0.0:80", "[::]:80"; an empty host IP means every IPv4 address. */
function hostAddress(ip: string, port: string | number): string {
  const host = ip || '0.0.0.0';
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

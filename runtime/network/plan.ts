/** The CNI network lists the engine runs for a network, as data. */
import path from 'node:path';
import type { ConfList } from './cni.js';
import type { Network, PortBinding } from './types.js';
import { formatIp, parseIp, parseSubnet, size } from './cidr.js';

/** What one attachment asks of its network list besides the network itself. */
export interface AttachmentWish {
  /** Ports are published through this network: portmap runs. */
  withPorts: boolean;
  fixedIp?: string;
  /** A fixed MAC address: tuning sets it on the container's interface. */
  mac?: string;
}

/**
 * bridge (veth on the network's bridge, host-local IPAM, default route unless
 * internal; masquerading is the engine's own rule, not the plugin's), then
 * tuning when the interface gets a fixed MAC address (Debian's bridge plugin
 * 1.1.1 cannot set one), then portmap when ports are published through this
 * network. Addresses come from the IP range (or the whole subnet), never the
 * gateway or an aux address; a fixed IP may be anywhere in the subnet, as in Docker.
 */
export function bridgeList(net: Network, ipamDir: string, { withPorts, fixedIp, mac }: AttachmentWish): ConfList {
  const plugins: ConfList['plugins'] = [{
    type: 'bridge', bridge: net.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
    capabilities: { ips: true },
    ...(net.mtu ? { mtu: net.mtu } : {}),
    ipam: {
      type: 'host-local', dataDir: path.join(ipamDir),
      ranges: [allocationRanges(net, fixedIp)],
      routes: net.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  }];
  if (mac) plugins.push({ type: 'tuning', mac });
  if (withPorts) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  return { name: net.id, plugins };
}

/** runtimeConfig of one attachment: a fixed IP and the port mappings. */
export function runtimeConfigOf(net: Network, ipv4Address: string | undefined, ports: PortBinding[]): Record<string, unknown> {
  const rc: Record<string, unknown> = {};
  if (ipv4Address) rc.ips = [`${ipv4Address}/${net.subnet.split('/')[1]}`];
  if (ports.length > 0) {
    rc.portMappings = ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIp }));
  }
  return rc;
}

/**
 * host-local ranges of one subnet covering what may be allocated: the IP
 * range minus the network and broadcast addresses, the gateway and the aux
 * addresses (host-local has no exclusions, so the range is cut around them).
 * For a fixed IP, the whole subnet (it was checked against the reservations).
 */
export function allocationRanges(net: Network, fixedIp?: string): Array<Record<string, string>> {
  const subnet = parseSubnet(net.subnet);
  const pool = net.ipRange && !fixedIp ? parseSubnet(net.ipRange) : subnet;
  const reserved = new Set([net.gateway, ...Object.values(net.auxAddresses ?? {})].map(parseIp));
  if (!net.ipRange && !net.auxAddresses) return [{ subnet: net.subnet, gateway: net.gateway }];
  const first = Math.max(pool.base, subnet.base + 1);
  const last = Math.min(pool.base + size(pool) - 1, subnet.base + size(subnet) - 2);
  const out: Array<Record<string, string>> = [];
  const range = (a: number, b: number) => ({ subnet: net.subnet, gateway: net.gateway, rangeStart: formatIp(a), rangeEnd: formatIp(b) });
  let start = first;
  for (const ip of [...reserved].filter((r) => r >= first && r <= last).sort((a, b) => a - b)) {
    if (ip > start) out.push(range(start, ip - 1));
    start = ip + 1;
  }
  if (start <= last) out.push(range(start, last));
  return out;
}


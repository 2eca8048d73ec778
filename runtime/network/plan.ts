/** The CNI network lists the engine runs for a network, as data. */
import path from 'node:path';
import type { ConfList } from './cni.js';
import type { Network, PortBinding } from './types.js';

/**
 * bridge (veth on the network's bridge, host-local IPAM, default route unless
 * internal; masquerading is the engine's own rule, not the plugin's), then
 * portmap when ports are published through this network.
 */
export function bridgeList(net: Network, ipamDir: string, withPorts: boolean): ConfList {
  const plugins: ConfList['plugins'] = [{
    type: 'bridge', bridge: net.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
    capabilities: { ips: true },
    ipam: {
      type: 'host-local', dataDir: path.join(ipamDir),
      ranges: [[{ subnet: net.subnet, gateway: net.gateway }]],
      routes: net.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  }];
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

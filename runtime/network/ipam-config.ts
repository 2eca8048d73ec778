/**
 * Checks of a network's address plan at `network create` (`--subnet`,
 * `--gateway`, `--ip-range`, `--aux-address`) and of an endpoint's fixed
 * address against it, with dockerd's messages where it has one.
 */
import { conflict, invalid } from '../../lib/errors.js';
import { contains, formatSubnet, parseIp, parseSubnet, size, type Subnet } from './cidr.js';
import type { Network } from './types.js';

/** The gateway, IP range and aux addresses of a new network on `subnet`, checked. */
export function checkAddressPlan(subnet: Subnet, gateway: string, ipRange?: string, aux?: Record<string, string>): void {
  const cidr = formatSubnet(subnet);
  if (!contains(subnet, parseIp(gateway))) throw invalid(`gateway ${gateway} is not in subnet ${cidr}`);
  if (ipRange) {
    const range = parseSubnet(ipRange);
    if (range.prefix < subnet.prefix || !contains(subnet, range.base)) throw invalid(`IP range ${ipRange} is not inside subnet ${cidr}`);
    if (usable(subnet, range, [gateway, ...Object.values(aux ?? {})]) === 0) throw invalid(`IP range ${ipRange} has no address left to allocate`);
  }
  const seen = new Map<number, string>();
  for (const [name, ip] of Object.entries(aux ?? {})) {
    if (!name) throw invalid('an aux address needs a name (--aux-address name=ip)');
    const n = parseIp(ip);
    if (!contains(subnet, n)) throw invalid(`aux address ${name}=${ip} is not in subnet ${cidr}`);
    if (ip === gateway) throw invalid(`aux address ${name}=${ip} is the gateway`);
    if (seen.has(n)) throw invalid(`aux addresses ${seen.get(n)} and ${name} are both ${ip}`);
    seen.set(n, name);
  }
}

/** A fixed endpoint address must be in the subnet and not reserved (gateway, aux addresses). */
export function checkFixedAddress(net: Network, ip: string): void {
  if (!contains(parseSubnet(net.subnet), parseIp(ip))) {
    throw invalid(`invalid address ${ip}: it does not belong to any of this network's subnets (${net.subnet})`);
  }
  if (ip === net.gateway || Object.values(net.auxAddresses ?? {}).includes(ip)) {
    throw conflict(`address ${ip} is reserved on network ${net.name} (gateway or aux address)`);
  }
}

/** Addresses of `range` that a container may get: not network, broadcast or reserved. */
function usable(subnet: Subnet, range: Subnet, reserved: string[]): number {
  const first = Math.max(range.base, subnet.base + 1);
  const last = Math.min(range.base + size(range) - 1, subnet.base + size(subnet) - 2);
  const taken = new Set(reserved.map(parseIp).filter((r) => r >= first && r <= last));
  return Math.max(0, last - first + 1 - taken.size);
}

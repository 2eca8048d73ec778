/**
 * Linux bridges of the engine's networks, made with iproute2 before any
 * container needs them (so the DNS responder can bind the gateway address
 * and `network create` fails early on a clash). The CNI bridge plugin then
 * finds them in place.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { run } from '../../lib/exec.js';
import { isErrno } from '../../lib/errors.js';
import { subnetOf, type Subnet } from './cidr.js';

/** Make sure bridge `name` exists, holds `gateway/prefix` and its own MAC, has the MTU asked for (if any) and is up. */
export async function ensureBridge(name: string, gateway: string, prefix: number, mtu?: number): Promise<void> {
  if (!(await interfaceExists(name))) await run('ip', ['link', 'add', 'name', name, 'address', bridgeMac(name), 'type', 'bridge']);
  else if (!(await macIsSet(name))) await run('ip', ['link', 'set', 'dev', name, 'address', bridgeMac(name)]);
  if (mtu) await run('ip', ['link', 'set', 'dev', name, 'mtu', String(mtu)]);
  const addr = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', name]);
  if (!addr.stdout.includes(` ${gateway}/${prefix} `)) await run('ip', ['addr', 'add', `${gateway}/${prefix}`, 'dev', name]);
  await disableIpv6(name);
  await run('ip', ['link', 'set', 'dev', name, 'up']);
}

/**
 * The bridge's own MAC, fixed (derived from its name: unicast, locally
 * administered). Without one, Linux gives a bridge the lowest MAC of its
 * ports and changes it as containers come and go; a container's ARP entry
 * for the gateway then names a MAC nobody answers to, and its packets to the
 * host (responses to the router included) are lost for seconds, until the
 * entry is probed again. Docker's bridge driver sets one for the same reason.
 */
export function bridgeMac(name: string): string {
  const h = createHash('sha256').update(`tspaas bridge ${name}`).digest();
  h[0] = (h[0] & 0xfc) | 0x02;
  return [...h.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Whether the interface's MAC was set (addr_assign_type 3, NET_ADDR_SET), not taken from its ports. */
async function macIsSet(name: string): Promise<boolean> {
  return (await fsp.readFile(`/sys/class/net/${name}/addr_assign_type`, 'utf8')).trim() === '3';
}

/** Whether the host has a network interface of this name. */
export async function interfaceExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', 'dev', name], { allowFailure: true })).code === 0;
}

/**
 * No IPv6 on the bridge: the host has no link-local address there for a
 * container to reach and takes no router advertisement from it
 * (CVE-2020-13401). A kernel without IPv6 has nothing to turn off.
 */
async function disableIpv6(name: string): Promise<void> {
  await fsp.writeFile(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, '1').catch((err: unknown) => {
    if (!isErrno(err, 'ENOENT')) throw err;
  });
}

/** Delete bridge `name`; a missing one is fine. */
export async function removeBridge(name: string): Promise<void> {
  const res = await run('ip', ['link', 'del', 'dev', name], { allowFailure: true });
  if (res.code !== 0 && !/Cannot find device|does not exist/.test(res.stderr)) {
    await run('ip', ['link', 'del', 'dev', name]);
  }
}

/** The IPv4 subnets the host already routes (any table entry with a prefix), except on `ignore` interfaces. */
export async function hostSubnets(ignore: Set<string>): Promise<Subnet[]> {
  const res = await run('ip', ['-4', '-j', 'route', 'show', 'table', 'all']);
  const routes = JSON.parse(res.stdout || '[]') as Array<{ dst?: string; dev?: string; type?: string }>;
  const out: Subnet[] = [];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || (r.dev && ignore.has(r.dev)) || (r.type && r.type !== 'unicast')) continue;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    try {
      const [ip, prefix] = dst.split('/');
      out.push(subnetOf(ip, Number(prefix)));
    } catch {
      // not an IPv4 prefix we can read; ignore it
    }
  }
  return out;
}

/** Names of the host's veth interfaces (for leak checks and sweeps). */
export async function listVeths(): Promise<string[]> {
  const res = await run('ip', ['-j', 'link', 'show', 'type', 'veth']);
  return (JSON.parse(res.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname);
}

/**
 * Host-wide network names and subnets for test engines. Every test engine
 * (many run at once, in several processes) needs its own default bridge,
 * bridge prefix and address pool; a slot is claimed with an exclusive file
 * under /tmp and is free again when its owner process is gone.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig } from '../../runtime/network/types.js';
import { run } from '../../lib/exec.js';
import { removeRules } from '../../runtime/network/firewall.js';
import { hostSubnets, removeBridge } from '../../runtime/network/bridge.js';
import { contains, overlaps, parseIp, parseSubnet } from '../../runtime/network/cidr.js';

const DIR = '/tmp/tspaas-test-network-slots';
const SLOTS = 256;

export interface NetworkSlot {
  config: NetworkConfig;
  /** The daemon flags that give the same settings. */
  flags: string[];
  /** Delete the slot's bridges and their firewall rules from the host (after its engine stopped), then free the slot. */
  release(): Promise<void>;
}

/** Claim a free slot: bridge `tsp-tXX`, prefix `tXX-`, pool 10.(128+k/2).(k%2·128).0/17, default = its first /24. */
export async function claimNetworkSlot(): Promise<NetworkSlot> {
  await fsp.mkdir(DIR, { recursive: true });
  const start = Math.floor(Math.random() * SLOTS);
  for (let i = 0; i < SLOTS; i++) {
    const k = (start + i) % SLOTS;
    const file = path.join(DIR, String(k));
    if (!(await claim(file))) continue;
    const hex = k.toString(16).padStart(2, '0');
    const base = `10.${128 + (k >> 1)}.${(k & 1) * 128}`;
    const config: NetworkConfig = {
      bridge: `tsp-t${hex}`, subnet: `${base}.0/24`, pool: `${base}.0/17`, bridgePrefix: `t${hex}-`,
      cniPath: ['/usr/lib/cni', '/opt/cni/bin'], resolvConf: '/etc/resolv.conf',
    };
    // Bridges a dead earlier owner left go; a pool the host routes for something else is skipped.
    await purgeBridges(config);
    const pool = parseSubnet(config.pool);
    if ((await hostSubnets(new Set())).some((h) => overlaps(h, pool))) {
      await fsp.rm(file, { force: true });
      continue;
    }
    const flags = ['--bridge', config.bridge, '--bridge-subnet', config.subnet, '--network-pool', config.pool, '--bridge-prefix', config.bridgePrefix];
    const release = async () => {
      await purgeBridges(config);
      await fsp.rm(file, { force: true });
    };
    return { config, flags, release };
  }
  throw new Error('no free test network slot');
}

/** Remove every bridge named like the slot's (and its rules), and the published ports into its pool. */
async function purgeBridges(config: NetworkConfig): Promise<void> {
  await purgePortmaps(config.pool);
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show', 'type', 'bridge'])).stdout || '[]') as Array<{ ifname: string }>;
  for (const { ifname } of links) {
    if (ifname !== config.bridge && !ifname.startsWith(config.bridgePrefix)) continue;
    await removeRules(ifname).catch(() => undefined);
    await removeBridge(ifname).catch(() => undefined);
  }
}

/**
 * Remove the CNI portmap chains (CNI-DN-*) that forward into `pool`, and
 * their jumps. An engine killed with its containers running leaves them; a
 * later engine publishing the same host port would then lose its traffic to
 * an address no bridge has any more.
 */
async function purgePortmaps(pool: string): Promise<void> {
  const subnet = parseSubnet(pool);
  const rules = (await run('iptables', ['-w', '-t', 'nat', '-S'], { allowFailure: true })).stdout.split('\n');
  const chains = new Set<string>();
  for (const rule of rules) {
    const m = /^-A (CNI-DN-\S+) .*--to-destination (\d+\.\d+\.\d+\.\d+)/.exec(rule);
    if (m && contains(subnet, parseIp(m[2]!))) chains.add(m[1]!);
  }
  if (chains.size === 0) return;
  // One transaction of iptables-restore, which reads -S's quoting back as written.
  const jumps = rules.filter((r) => r.startsWith('-A CNI-HOSTPORT-DNAT ') && chains.has(r.slice(r.lastIndexOf(' -j ') + 4)));
  const lines = [...jumps.map((r) => `-D${r.slice(2)}`), ...[...chains].flatMap((c) => [`-F ${c}`, `-X ${c}`])];
  await run('iptables-restore', ['-w', '--noflush'], { input: `*nat\n${lines.join('\n')}\nCOMMIT\n`, allowFailure: true });
}

/** Create the slot file, or take it over when its owner process has died. */
async function claim(file: string): Promise<boolean> {
  try {
    await fsp.writeFile(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    const owner = Number(await fsp.readFile(file, 'utf8').catch(() => '0'));
    if (owner > 0 && (await alive(owner))) return false;
    await fsp.rm(file, { force: true });
    return fsp.writeFile(file, String(process.pid), { flag: 'wx' }).then(() => true, () => false);
  }
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine's own iptables rules (docs/network.md lists them). Four chains,
 * shared by every network and by every engine on the host, each jumped to
 * from the top of its built-in chain:
 *
 * - `TSPAAS-FORWARD` (filter FORWARD): replies and published-port traffic to
 *   a network pass; traffic leaving a network for anywhere but its own bridge
 *   goes through `TSPAAS-ISOLATION`; an `--internal` network's traffic may
 *   not leave or enter it at all.
 * - `TSPAAS-ISOLATION`: one DROP per network for traffic coming *into* its
 *   bridge from another network — so no two networks reach each other.
 * - `TSPAAS-INPUT` (filter INPUT): containers reach the host only for replies
 *   and for DNS on their gateway; every other packet from a bridge to the host
 *   (the Engine API, PostgreSQL, Redis…) is dropped.
 * - `TSPAAS-POSTROUTING` (nat POSTROUTING): outbound NAT of a network's subnet.
 *
 * Each rule carries the comment `tspaas:<bridge>`, which is how a network's
 * rules are found and removed. Published ports are the CNI portmap plugin's
 * (its CNI-HOSTPORT-* chains); the CNI firewall plugin is not used.
 */
import { run } from '../../lib/exec.js';

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  /** false: no outbound NAT rule; absent = true. */
  masquerade?: boolean;
}

const FILTER_CHAINS = [['TSPAAS-INPUT', 'INPUT'], ['TSPAAS-FORWARD', 'FORWARD'], ['TSPAAS-ISOLATION', null]] as const;
const NAT_CHAINS = [['TSPAAS-POSTROUTING', 'POSTROUTING']] as const;

/** Create the shared chains and their jumps, once (idempotent). */
export async function ensureChains(): Promise<void> {
  for (const [table, chains] of [['filter', FILTER_CHAINS], ['nat', NAT_CHAINS]] as const) {
    for (const [chain, from] of chains) {
      await iptables(['-t', table, '-N', chain], true);
      if (from && !(await iptables(['-t', table, '-C', from, '-j', chain], true))) await iptables(['-t', table, '-I', from, '1', '-j', chain]);
    }
  }
}

/** Install the rules of one network (after removing any it had, so this is idempotent). */
export async function installRules(net: FirewallNetwork): Promise<void> {
  await removeRules(net.bridge);
  await restore(rulesOf(net));
}

/** The rules of one network as iptables-restore input. */
export function rulesOf(net: FirewallNetwork): string {
  const b = net.bridge;
  const c = `-m comment --comment "tspaas:${b}"`;
  const filter = net.internal
    ? [
      `-A TSPAAS-FORWARD -i ${b} ! -o ${b} ${c} -j DROP`,
      `-A TSPAAS-FORWARD -o ${b} ! -i ${b} ${c} -j DROP`,
    ]
    : [
      // Link-local destinations are never routed (RFC 3927 §2.7): no cloud metadata service (169.254.169.254) through the host.
      `-A TSPAAS-FORWARD -i ${b} -d 169.254.0.0/16 ${c} -j DROP`,
      // Inserted first: replies and published ports pass before any network's isolation jump sees them.
      `-I TSPAAS-FORWARD 1 -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT ${c} -j ACCEPT`,
      `-A TSPAAS-FORWARD -i ${b} ! -o ${b} ${c} -j TSPAAS-ISOLATION`,
      `-A TSPAAS-FORWARD -i ${b} ${c} -j ACCEPT`,
    ];
  filter.push(
    `-A TSPAAS-FORWARD -i ${b} -o ${b} ${c} -j ACCEPT`,
    `-A TSPAAS-ISOLATION -o ${b} ${c} -j DROP`,
    `-A TSPAAS-INPUT -i ${b} -m conntrack --ctstate RELATED,ESTABLISHED ${c} -j ACCEPT`,
    `-A TSPAAS-INPUT -i ${b} -d ${net.gateway}/32 -p udp --dport 53 ${c} -j ACCEPT`,
    `-A TSPAAS-INPUT -i ${b} -d ${net.gateway}/32 -p tcp --dport 53 ${c} -j ACCEPT`,
    `-A TSPAAS-INPUT -i ${b} ${c} -j DROP`,
  );
  const nat = net.internal || net.masquerade === false ? [] : [`-A TSPAAS-POSTROUTING -s ${net.subnet} ! -o ${b} ${c} -j MASQUERADE`];
  return table('filter', filter) + table('nat', nat);
}

/**
 * Remove every rule of the network whose bridge is `bridge`. A rule someone
 * else removed between the listing and the removal fails the whole
 * transaction; the rules are then listed again (a few times at most).
 */
export async function removeRules(bridge: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const input = await removalOf(bridge);
    if (!input) return;
    try {
      return await restore(input);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** iptables-restore input deleting the rules tagged for `bridge` ('' when there are none). */
async function removalOf(bridge: string): Promise<string> {
  const tag = `"tspaas:${bridge}"`;
  let input = '';
  for (const t of ['filter', 'nat']) {
    const res = await run('iptables', ['-w', '-t', t, '-S'], { allowFailure: true });
    const lines = res.stdout.split('\n').filter((l) => l.startsWith('-A TSPAAS-') && l.includes(`--comment ${tag}`));
    input += table(t, lines.map((l) => `-D${l.slice(2)}`));
  }
  return input;
}

function table(name: string, lines: string[]): string {
  return lines.length === 0 ? '' : `*${name}\n${lines.join('\n')}\nCOMMIT\n`;
}

async function restore(input: string): Promise<void> {
  if (input) await run('iptables-restore', ['-w', '--noflush'], { input });
}

/** Run iptables -w; with `tolerate`, report success instead of throwing. */
async function iptables(args: string[], tolerate = false): Promise<boolean> {
  const res = await run('iptables', ['-w', ...args], { allowFailure: tolerate });
  return res.code === 0;
}

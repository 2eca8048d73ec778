/**
 * Anti-spoofing on the bridge ports: a container sends only from its own MAC
 * and IPv4 address, ARP only about itself, and nothing else (no IPv6, no
 * VLAN-tagged frames, no other ethertype). Enforced by ebtables (bridge
 * family) on the host end of each container's veth, in one chain shared by
 * every engine on the host and jumped to from the top of the `nat` table's
 * PREROUTING: there, a frame is judged before the bridge learns its source
 * MAC (a forged one dropped later, in INPUT or FORWARD, would still have
 * taught the bridge to send the neighbour's traffic to the forger's port),
 * and before it goes to the host or to any other port. This is where
 * libvirt's nwfilter puts its no-mac-spoofing rules too:
 *
 * ```
 * -A TSPAAS-PORTS -i <veth> -s <mac> -p IPv4 --ip-src <ip> -j RETURN
 * -A TSPAAS-PORTS -i <veth> -s <mac> -p ARP --arp-ip-src <ip> --arp-mac-src <mac> -j RETURN
 * -A TSPAAS-PORTS -i <veth> -j DROP
 * ```
 *
 * An allow-list per port, so whatever the list does not name is dropped,
 * including ethertypes nobody thought of. A port's rules are found by its
 * interface name (`-i <veth>`; the CNI bridge plugin names host ends
 * `veth` + 8 random hex digits) and read back from `ebtables -L`, whose
 * output is valid ebtables input for both the nf_tables and the legacy
 * ebtables. Rules of veths that no longer exist (an engine killed before it
 * could remove them) are swept at the engine's next start.
 */
import { run } from '../../lib/exec.js';
import { Mutex } from '../../lib/mutex.js';
import { listVeths } from './bridge.js';
import type { CniResult } from './cni.js';

export const GUARD_CHAIN = 'TSPAAS-PORTS';
/** The ebtables table of the chain. */
export const GUARD_TABLE = 'nat';
const TABLE = GUARD_TABLE;

/** One guarded bridge port: the host end of a container's veth and what the container may send from. */
export interface PortGuard {
  veth: string;
  mac: string;
  ip: string;
}

/** Our own ebtables calls one at a time (the legacy ebtables replaces whole tables). */
const serial = new Mutex();

/** Create the chain and its jump from PREROUTING, once (idempotent). */
export async function ensureGuardChain(): Promise<void> {
  await serial.run(async () => {
    await ebtables(['-t', TABLE, '-N', GUARD_CHAIN, '-P', 'RETURN'], true);
    const rules = (await ebtables(['-t', TABLE, '-L', 'PREROUTING'])).split('\n');
    if (!rules.some((l) => l.trim() === `-j ${GUARD_CHAIN}`)) await ebtables(['-t', TABLE, '-I', 'PREROUTING', '1', '-j', GUARD_CHAIN]);
  });
}

/** The port a CNI bridge result made: the host end of the veth and the container's MAC and IPv4 address. */
export function guardOf(bridge: string, result: CniResult | undefined, ifname: string): PortGuard | null {
  const ifaces = result?.interfaces ?? [];
  const inside = ifaces.findIndex((i) => i.name === ifname && i.sandbox);
  const veth = ifaces.find((i) => !i.sandbox && i.name !== bridge)?.name;
  const ip = (result?.ips ?? []).find((x) => x.interface === inside && !x.address.includes(':'))?.address.split('/')[0];
  const mac = ifaces[inside]?.mac;
  return veth && ip && mac ? { veth, mac, ip } : null;
}

/** The rules of one port, in ebtables-restore syntax. */
export function guardRules(g: PortGuard): string[] {
  const c = `-A ${GUARD_CHAIN} -i ${g.veth}`;
  return [
    `${c} -s ${g.mac} -p IPv4 --ip-src ${g.ip} -j RETURN`,
    `${c} -s ${g.mac} -p ARP --arp-ip-src ${g.ip} --arp-mac-src ${g.mac} -j RETURN`,
    `${c} -j DROP`,
  ];
}

/** Install the rules of `guards` in one ebtables-restore transaction. */
export async function installGuards(guards: PortGuard[]): Promise<void> {
  if (guards.length === 0) return;
  await serial.run(() => restore(guards.flatMap(guardRules)));
}

/**
 * Remove the rules of `guards`: as they were installed, in one transaction;
 * when that fails (some are gone already, or someone else changed the
 * chain), every rule of their veths, found by listing the chain.
 */
export async function removeGuards(guards: PortGuard[]): Promise<void> {
  if (guards.length === 0) return;
  const exact = guards.flatMap(guardRules).map((l) => `-D${l.slice(2)}`);
  const names = new Set(guards.map((g) => g.veth));
  await serial.run(async () => {
    if (await restore(exact).then(() => true, () => false)) return;
    await removeWhere(async (rules) => rules.filter((l) => names.has(vethOf(l))));
  });
}

/**
 * Remove the rules of ports whose veth no longer exists on the host (after a
 * crash). The host's veths are listed after the chain, so a port another
 * engine guards meanwhile is never taken for a gone one.
 */
export async function sweepGuards(): Promise<void> {
  await serial.run(() => removeWhere(async (rules) => {
    const existing = new Set(await listVeths());
    return rules.filter((l) => !existing.has(vethOf(l)));
  }));
}

/** Delete the rules `select` picks from the chain, listing it again when another process changed it meanwhile. */
async function removeWhere(select: (rules: string[]) => Promise<string[]>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const doomed = await select(await listChain());
    if (doomed.length === 0) return;
    try {
      return await restore(doomed.map((l) => `-D ${GUARD_CHAIN} ${l}`));
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** The rules of the chain as `ebtables -L` prints them (without the chain name); none when it does not exist. */
async function listChain(): Promise<string[]> {
  const out = await ebtables(['-t', TABLE, '-L', GUARD_CHAIN], true);
  return out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-'));
}

function vethOf(rule: string): string {
  return / -i (\S+)/.exec(` ${rule}`)?.[1] ?? '';
}

async function restore(lines: string[]): Promise<void> {
  await run('ebtables-restore', ['--noflush'], { input: `*${TABLE}\n${lines.join('\n')}\n` });
}

/** Run ebtables; its stdout. With `tolerate`, a failure gives '' instead of throwing. */
async function ebtables(args: string[], tolerate = false): Promise<string> {
  const res = await run('ebtables', args, { allowFailure: tolerate });
  return res.code === 0 ? res.stdout : '';
}

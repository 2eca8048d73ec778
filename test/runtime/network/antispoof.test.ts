/**
 * What a container can send: only from its own MAC and IPv4 address, ARP
 * only about itself, no IPv6, nothing to the host's link-local addresses.
 * The attacker model is a container that can craft packets (`--privileged`:
 * NET_RAW, NET_ADMIN and a writable /proc/sys). Every probe is run twice:
 * once as the engine set things up (it must fail), and once after the test
 * removed the attacker's port guard (antispoof.ts) — the control, which
 * shows the probe itself works and that the guard is what stops it.
 * Traffic stays on the test's own network and the host's own addresses.
 */
import test from 'ava';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../../lib/exec.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createOutside, freePort, startServer } from '../../helpers/netns.js';
import { provideStacks, seedStacks } from '../../helpers/stacks.js';
import { installGuards, removeGuards, GUARD_CHAIN, GUARD_TABLE } from '../../../runtime/network/antispoof.js';
import type { Container } from '../../../runtime/containers/types.js';

let te: TestEngine;
let netName: string;
let victim: Container;
let neighbour: Container;
let perlImage: string;

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await te.engine.ensureImage('busybox');
  perlImage = (await provideStacks(te.engine)).run;
  netName = (await te.engine.createNetwork({ name: 'spoof-net' })).name;
  // The victim may run IPv6 (it turns it on itself): what reaches it is what the bridge let through.
  victim = await startServer(te.engine, { cmd: 'sleep 600', networkMode: netName, privileged: true, name: 'victim' });
  neighbour = await startServer(te.engine, { cmd: 'sleep 600', networkMode: netName, name: 'neighbour' });
});
test.after.always(async () => { await te?.cleanup(); });

/** Run `script` with sh inside container `id`; its output and exit code. */
async function sh(id: string, script: string): Promise<{ out: string; code: number }> {
  const x = await te.engine.createExec(id, { cmd: ['sh', '-c', script], attachStdout: true, attachStderr: true });
  const att = (await te.engine.startExec(x, {}))!;
  let out = '';
  att.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att.onEnd(r));
  return { out, code: (await te.engine.inspectExec(x)).exitCode ?? -1 };
}

/** A privileged busybox (or `image`) on the test network: it can craft any frame. */
const attacker = (image = 'busybox') => startServer(te.engine, { image, cmd: 'sleep 600', networkMode: netName, privileged: true });

const ipOf = (c: Container) => c.network!.endpoints[0].ipAddress;
const macOf = (c: Container) => c.network!.endpoints[0].macAddress;

/** The host end of a container's eth0 (its peer's ifindex is the container's iflink). */
async function hostVeth(c: Container): Promise<string> {
  const index = Number((await sh(c.record.id, 'cat /sys/class/net/eth0/iflink')).out.trim());
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show', 'type', 'veth'])).stdout) as Array<{ ifindex: number; ifname: string }>;
  return links.find((l) => l.ifindex === index)!.ifname;
}

/** The bridge port the test network's bridge sends frames for `mac` to ('' when it has not learnt it). */
async function fdbPortOf(mac: string): Promise<string> {
  const bridge = (await te.engine.inspectNetwork(netName)).bridge;
  const fdb = JSON.parse((await run('bridge', ['-j', 'fdb', 'show', 'br', bridge])).stdout) as Array<{ mac: string; ifname: string }>;
  return fdb.find((e) => e.mac === mac.toLowerCase())?.ifname ?? '';
}

/** The control: take the engine's guard off the attacker's port (the test puts nothing back: the attacker goes). */
async function unguard(c: Container): Promise<void> {
  await removeGuards([{ veth: await hostVeth(c), mac: macOf(c), ip: ipOf(c) }]);
}

/** A counter of the victim's /proc/net/snmp (`Icmp InEchos`) or /proc/net/snmp6. */
async function counter(c: Container, name: 'InEchos' | 'Icmp6InNeighborSolicits'): Promise<number> {
  if (name !== 'InEchos') return Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec((await sh(c.record.id, 'cat /proc/net/snmp6')).out)?.[1] ?? 0);
  const lines = (await sh(c.record.id, 'grep ^Icmp: /proc/net/snmp')).out.trim().split('\n').map((l) => l.split(/\s+/));
  return Number(lines[1][lines[0].indexOf('InEchos')]);
}

/** Turn IPv6 back on in a privileged container (no DAD wait; RAs accepted); its link-local address. */
async function enableIpv6(c: Container): Promise<string> {
  const r = await sh(c.record.id, [
    'cd /proc/sys/net/ipv6/conf', 'echo 0 > eth0/accept_dad', 'echo 2 > eth0/accept_ra', 'echo 0 > all/disable_ipv6', 'echo 0 > eth0/disable_ipv6',
    'sleep 0.5', 'grep " eth0$" /proc/net/if_inet6',
  ].join(' && '));
  const hex = /^(fe80[0-9a-f]{28}) /m.exec(r.out)?.[1];
  if (!hex) throw new Error(`no link-local address after turning IPv6 on: ${r.out}`);
  return hex.match(/.{4}/g)!.join(':');
}

test.serial('IPv6 is off in every container and on the bridge; the guard chain has three rules per port', async (t) => {
  const r = await sh(neighbour.record.id, 'cat /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 addr');
  t.is(r.out.trim(), '1\n1', 'no IPv6 address, none configured');
  const bridge = (await te.engine.inspectNetwork(netName)).bridge;
  t.is((await run('cat', [`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`])).stdout.trim(), '1');
  t.is((await run('ip', ['-6', 'addr', 'show', 'dev', bridge])).stdout.trim(), '');
  const veth = await hostVeth(neighbour);
  const rules = (await run('ebtables', ['-t', GUARD_TABLE, '-L', GUARD_CHAIN])).stdout.split('\n').filter((l) => ` ${l} `.includes(` -i ${veth} `));
  t.is(rules.length, 3, rules.join('\n'));
  t.true(rules.some((l) => l.includes(`--ip-src ${ipOf(neighbour)} `)));
});

// LXC's security notes ("shared network bridges": a container "can effectively do MAC or IP spoofing on the bridge"); kubernetes#43953.
test.serial('IP spoofing: a container cannot send from its neighbour\'s IPv4 address', async (t) => {
  const a = await attacker();
  const before = await counter(victim, 'InEchos');
  t.is((await sh(a.record.id, `ping -c 2 -W 2 ${ipOf(victim)}`)).code, 0, 'control: its own address works');
  t.is(await counter(victim, 'InEchos'), before + 2);
  const spoof = `ip addr add ${ipOf(neighbour)}/32 dev eth0 2>/dev/null; ping -c 3 -W 1 -I ${ipOf(neighbour)} ${ipOf(victim)}`;
  await sh(a.record.id, spoof);
  t.is(await counter(victim, 'InEchos'), before + 2, 'the victim saw no echo from the forged source');
  await unguard(a);
  await sh(a.record.id, spoof);
  t.true(await counter(victim, 'InEchos') > before + 2, 'control: without the guard the forged echoes arrive');
});

// Cilium CFP cilium#27955 (a pod taking over a neighbour's MAC and IP); the CNI bridge plugin's macspoofchk; bridge FDB (CAM table) poisoning.
test.serial('MAC spoofing: a container that takes its neighbour\'s MAC and IP reaches nobody', async (t) => {
  const a = await attacker();
  await sh(a.record.id, `ping -c 1 -W 2 ${ipOf(victim)}`);
  const before = await counter(victim, 'InEchos');
  const spoof = [
    `ip link set dev eth0 address ${macOf(neighbour)}`, `ip addr flush dev eth0`, `ip addr add ${ipOf(neighbour)}/24 dev eth0`,
    `ping -c 3 -W 1 ${ipOf(victim)}`,
  ].join('; ');
  await sh(a.record.id, spoof);
  t.is(await counter(victim, 'InEchos'), before, 'the victim saw nothing from the impostor');
  // The bridge did not learn the neighbour's MAC on the impostor's port either (it would send the neighbour's traffic there).
  const attackerPort = await hostVeth(a);
  t.not(await fdbPortOf(macOf(neighbour)), attackerPort);
  await unguard(a);
  await sh(a.record.id, `ping -c 3 -W 1 ${ipOf(victim)}`);
  t.true(await counter(victim, 'InEchos') > before, 'control: without the guard the impostor is answered');
  t.is(await fdbPortOf(macOf(neighbour)), attackerPort, 'control: without the guard the bridge learns the forged MAC on the impostor\'s port');
});

// kubernetes#43953 ("ebtables filtering rules to filter out arp spoofing"): poisoning a neighbour's ARP entry for the gateway.
test.serial('ARP spoofing: a container cannot make its neighbour send the gateway\'s traffic to it', async (t) => {
  const a = await attacker();
  const gw = a.network!.endpoints[0].gateway;
  const gatewayMac = async () => {
    await sh(victim.record.id, `ping -c 1 -W 1 ${gw}`); // refreshes the entry (the host answers ARP, not pings)
    await sleep(1200); // past the neighbour table's locktime (1 s), so a forged answer could replace it
    return (await sh(victim.record.id, `ip neigh show ${gw}`)).out;
  };
  const forge = `ip addr add ${gw}/32 dev eth0 2>/dev/null; arping -U -c 3 -w 3 -s ${gw} -I eth0 ${gw}; ip neigh show ${gw} dev eth0 >/dev/null`;
  t.false((await gatewayMac()).includes(macOf(a)));
  await sh(a.record.id, forge);
  t.false((await sh(victim.record.id, `ip neigh show ${gw}`)).out.includes(macOf(a)), 'the victim still has the gateway\'s MAC');
  await unguard(a);
  await gatewayMac();
  await sh(a.record.id, forge);
  t.true((await sh(victim.record.id, `ip neigh show ${gw}`)).out.includes(macOf(a)), 'control: without the guard the entry is poisoned');
});

// The issue ("IPv6 is unfiltered"); CVE-2020-13401 relies on it: IPv6 between containers on one bridge.
test.serial('IPv6: a container that turns IPv6 back on cannot send it to a neighbour', async (t) => {
  const a = await attacker();
  const target = await enableIpv6(victim);
  await enableIpv6(a);
  // The victim's own port drops its answers too, so what is counted is the attacker's neighbour solicitation arriving.
  const before = await counter(victim, 'Icmp6InNeighborSolicits');
  await sh(a.record.id, `ping -6 -c 3 -W 1 ${target}%eth0`);
  t.is(await counter(victim, 'Icmp6InNeighborSolicits'), before, 'no IPv6 packet reached the victim');
  await unguard(a);
  await sh(a.record.id, `ping -6 -c 3 -W 1 ${target}%eth0`);
  t.true(await counter(victim, 'Icmp6InNeighborSolicits') > before, 'control: without the guard IPv6 flows');
});

/**
 * A router advertisement for 2001:db8:77::/64 with a default route through
 * the sender, to all nodes (ff02::1), from a raw ICMPv6 socket (perl-base
 * only; the kernel fills in the checksum). Hop limit 255, as RFC 4861 asks.
 */
const SEND_RA = String.raw`
use Socket qw(AF_INET6 SOCK_RAW IPPROTO_IPV6 inet_pton pack_sockaddr_in6);
socket(my $s, AF_INET6, SOCK_RAW, 58) or die "socket: $!";
setsockopt($s, IPPROTO_IPV6, 18, pack("i", 255)) or die "hops: $!";
my $ra = pack("CCnCCnNN", 134, 0, 0, 64, 0, 1800, 0, 0)
  . pack("CCCCNNN", 3, 4, 64, 0xc0, 86400, 14400, 0) . inet_pton(AF_INET6, "2001:db8:77::");
my $idx = do { open my $f, "<", "/sys/class/net/eth0/ifindex" or die; <$f> + 0 };
for (1..3) { send($s, $ra, 0, pack_sockaddr_in6(0, inet_pton(AF_INET6, "ff02::1"), $idx)) or die "send: $!"; select(undef, undef, undef, 0.3) }
`;

// CVE-2020-13401 (Docker: rogue IPv6 router advertisements from a container with NET_RAW); CVE-2020-10749 (the same in the CNI plugins).
test.serial('CVE-2020-13401: neither a neighbour nor the host takes a router advertisement from a container', async (t) => {
  const a = await attacker(perlImage);
  await enableIpv6(victim);
  await enableIpv6(a);
  const hostRoutes = async () => (await run('ip', ['-6', 'route', 'show', 'table', 'all'])).stdout + (await run('ip', ['-6', 'addr'])).stdout;
  const routes = async () => (await sh(victim.record.id, 'ip -6 route; ip -6 addr')).out;
  const sent = await sh(a.record.id, `perl -e '${SEND_RA}' && grep Icmp6OutRouterAdvertisements /proc/net/snmp6`);
  t.regex(sent.out, /Icmp6OutRouterAdvertisements\s+[1-9]/, `the RA left the attacker: ${sent.out}`);
  await sleep(500);
  t.notRegex(await routes(), /2001:db8:77|default via fe80/, 'the victim took no route or address');
  t.notRegex(await hostRoutes(), /2001:db8:77/, 'the host took no route or address');
  await unguard(a);
  await sh(a.record.id, `perl -e '${SEND_RA}'`);
  await sleep(500);
  t.regex(await routes(), /2001:db8:77/, 'control: without the guard the victim configures the rogue prefix');
  t.notRegex(await hostRoutes(), /2001:db8:77/, 'the host has no IPv6 on the bridge at all');
});

// RFC 3927 §2.7 (link-local is never routed); services bound to a link-local address are meant for the link, not for tenants.
test.serial('link-local: a container reaches no service on the host\'s 169.254.0.0/16 addresses; DNS on the gateway still answers', async (t) => {
  const bridge = (await te.engine.inspectNetwork(netName)).bridge;
  const ll = '169.254.77.1';
  await run('ip', ['addr', 'add', `${ll}/32`, 'dev', bridge]);
  t.teardown(() => run('ip', ['addr', 'del', `${ll}/32`, 'dev', bridge], { allowFailure: true }));
  const srv = net.createServer((s) => s.end('host-secret\n'));
  await new Promise<void>((r) => srv.listen(0, ll, r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const port = (srv.address() as net.AddressInfo).port;
  const a = await attacker();
  const direct = `ip route add ${ll}/32 dev eth0 2>/dev/null; nc -w 2 ${ll} ${port} </dev/null`;
  t.notRegex((await sh(a.record.id, `nc -w 2 ${ll} ${port} </dev/null`)).out, /host-secret/, 'through the gateway');
  t.notRegex((await sh(a.record.id, direct)).out, /host-secret/, 'on the link, as a neighbour');
  t.notRegex((await sh(a.record.id, `ping -6 -c 1 -W 1 ff02::2%eth0`)).out, /bytes from/, 'no IPv6 neighbour answers, the host included');
  const dns = await sh(a.record.id, `nslookup victim ${a.network!.endpoints[0].gateway}`);
  t.regex(dns.out, new RegExp(ipOf(victim).replace(/\./g, '\\.')), `control: DNS on the gateway answers: ${dns.out}`);
  const fromHost = await new Promise<string>((resolve, reject) => {
    const c = net.connect(port, ll, () => undefined).on('data', (d) => resolve(d.toString())).on('error', reject);
    c.setTimeout(2000, () => reject(new Error('timeout')));
  });
  t.is(fromHost, 'host-secret\n', 'control: the service answers on the host');
});

test.serial('after a restart the engine guards the ports of running containers anew and sweeps the rules of veths that are gone', async (t) => {
  const veth = await hostVeth(neighbour);
  const rulesOf = async (name: string) => (await run('ebtables', ['-t', GUARD_TABLE, '-L', GUARD_CHAIN])).stdout.split('\n').filter((l) => ` ${l} `.includes(` -i ${name} `));
  // As an engine from before the guards, or one killed between ADD and the guards, would have left things.
  await removeGuards([{ veth, mac: macOf(neighbour), ip: ipOf(neighbour) }]);
  // As an engine killed with a container running would have left them, its veth gone since.
  await installGuards([{ veth: 'vethdead0001', mac: '02:00:00:00:00:01', ip: '10.0.0.1' }]);
  await te.reopen();
  t.is((await rulesOf(veth)).length, 3, 'the running container\'s port is guarded again');
  t.deepEqual(await rulesOf('vethdead0001'), [], 'the gone veth\'s rules are swept');
});

// OWASP SSRF prevention cheat sheet (cloud metadata at 169.254.169.254); RFC 3927 §2.7: a router never forwards link-local traffic.
test.serial('link-local: nothing from a container is routed to 169.254.0.0/16 (a metadata service behind the host); routable outside addresses are', async (t) => {
  const outside = await createOutside(te.config.network.pool);
  const ll = '169.254.213.7';
  await run('ip', ['-n', outside.ns, 'addr', 'add', `${ll}/32`, 'dev', 'eth0']);
  await run('ip', ['route', 'add', `${ll}/32`, 'via', outside.address]);
  t.teardown(async () => {
    await run('ip', ['route', 'del', `${ll}/32`], { allowFailure: true });
    await outside.remove();
  });
  const port = await freePort();
  const tenant = (to: string) => sh(neighbour.record.id, `sleep 1; echo from-tenant | nc -w 2 ${to} ${port}`);
  const blocked = outside.listen(port, 5000, ll);
  await tenant(ll);
  await t.throwsAsync(blocked, { message: /nothing arrived/ }, 'the link-local service saw nothing');
  const fromHost = outside.listen(port, 5000, ll);
  await sleep(1000);
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, ll, () => { c.end('from-host'); resolve(); }).on('error', reject);
  });
  t.is((await fromHost).data, 'from-host', 'control: the host itself reaches it (the route is there)');
  const open = outside.listen(port, 5000);
  await tenant(outside.address);
  t.is((await open).data, 'from-tenant\n', 'control: the tenant reaches a routable outside address');
});

/**
 * The engine's networking: networks (store + bridge + firewall rules + DNS
 * responder each) and container sandboxes (sandbox.ts), behind the
 * `ContainerNetworking` contract the container operations use.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { conflict, forbidden, invalid } from '../../lib/errors.js';
import { KeyedMutex } from '../../lib/mutex.js';
import { carve, formatSubnet, nthAddress, overlaps, parseSubnet, type Subnet } from './cidr.js';
import { checkAddressPlan, checkFixedAddress } from './ipam-config.js';
import { parseBridgeOptions } from './driver-options.js';
import { ensureBridge, hostSubnets, interfaceExists, removeBridge } from './bridge.js';
import { ensureChains, installRules, removeRules } from './firewall.js';
import { ensureGuardChain, installGuards, removeGuards, sweepGuards } from './antispoof.js';
import { NetworkStore } from './store.js';
import { NameTable } from './names.js';
import { DnsServers } from './resolver.js';
import { bridgeList, runtimeConfigOf } from './plan.js';
import { parseMacAddress } from '../../lib/mac-address.js';
import { assignHostPorts } from './ports.js';
import {
  attachOne, attachSandbox, detachOne, detachSandbox, guardsOf, loadSandboxes, netnsFile, saveSandbox, stateOf, knownGuardsOf,
  type AttachmentRecord, type SandboxDirs, type SandboxRecord,
} from './sandbox.js';
import { removeNetns } from './netns.js';
import type { Logger } from '../types.js';
import type {
  AttachRequest, ContainerNetworking, CreateNetworkOptions, Endpoint, EndpointRequest, Network, NetworkConfig, PortBinding, SandboxState,
} from './types.js';

const PREDEFINED = new Set(['bridge', 'host', 'none']);
/** The kernel's limit of ports per bridge (BR_MAX_PORTS). */
const MAX_BRIDGE_PORTS = 1024;

export class NetworkManager implements ContainerNetworking {
  private readonly store: NetworkStore;
  private readonly dirs: SandboxDirs;
  private readonly live = new Map<string, SandboxRecord>();
  private readonly names = new NameTable();
  private readonly dns: DnsServers;
  /** Serializes network create/remove (subnet and bridge choices). */
  private readonly lock = new KeyedMutex();

  /** `log`: failures it survives, each with its network or container ID (runtime/types.ts, Logger). */
  constructor(private readonly config: Readonly<NetworkConfig>, root: string, runRoot: string, private readonly log: Logger) {
    this.store = new NetworkStore(path.join(root, 'networks'));
    this.dirs = { dir: path.join(runRoot, 'network'), cniPath: config.cniPath };
    this.dns = new DnsServers(config.resolvConf, (net, name, from) => (net.isDefault ? undefined : this.names.lookup(net.id, name, from)),
      (net, ip) => this.names.nameOf(net.id, ip), log);
  }

  /**
   * Load networks, make the predefined ones, bring every bridge, rule set and
   * responder up, and take the sandboxes on disk as live until `sweep` (the
   * containers' recovery detaches those whose container has exited).
   */
  async open(): Promise<void> {
    await this.store.load();
    await ensureChains();
    await this.ensurePredefined();
    for (const n of this.store.list()) if (n.driver === 'bridge') await this.bringUp(n);
    for (const rec of await loadSandboxes(this.dirs)) this.live.set(rec.containerId, rec);
    await this.guardLive();
    this.names.rebuild(this.store.list().map((n) => n.id), this.live.values());
  }

  async sweep(running: (containerId: string) => boolean): Promise<void> {
    for (const rec of [...this.live.values()]) {
      if (!running(rec.containerId)) await this.detach(rec.containerId).catch((err: unknown) => this.leftover('sandbox', rec.containerId, err));
    }
    const nsDir = path.join(this.dirs.dir, 'netns');
    for (const id of await fsp.readdir(nsDir).catch(() => [] as string[])) { // no netns dir yet: nothing to sweep
      if (!this.live.has(id)) await removeNetns(path.join(nsDir, id)).catch((err: unknown) => this.leftover('network namespace', id, err));
    }
    await this.sweepIpam();
    await sweepGuards();
    this.names.rebuild(this.store.list().map((n) => n.id), this.live.values());
  }

  /** Stop the DNS responders (bridges, rules and running containers stay). */
  async close(): Promise<void> {
    await this.dns.closeAll();
  }

  list(): Network[] {
    return this.store.list();
  }

  resolve(ref: string): Network {
    return this.store.resolve(ref);
  }

  /** `network create`. */
  async create(opts: CreateNetworkOptions): Promise<Network> {
    checkName(opts.name);
    if ((opts.driver ?? 'bridge') !== 'bridge') throw invalid(`network driver ${opts.driver} is not supported (only bridge)`);
    const bridgeOpts = parseBridgeOptions(opts.options);
    return this.lock.run('networks', async () => {
      if (this.store.find(opts.name) || PREDEFINED.has(opts.name)) throw conflict(`network with name ${opts.name} already exists`);
      const id = randomBytes(32).toString('hex');
      const subnet = opts.subnet ? await this.checkSubnet(parseSubnet(opts.subnet)) : await this.pickSubnet();
      const gateway = opts.gateway ?? nthAddress(subnet, 1);
      checkAddressPlan(subnet, gateway, opts.ipRange, opts.auxAddresses);
      const bridge = bridgeOpts.bridgeName ?? `${this.config.bridgePrefix}${id.slice(0, 8)}`;
      if (bridgeOpts.bridgeName) await this.checkBridgeName(bridge);
      const n: Network = dropUndefined({
        id, name: opts.name, driver: 'bridge', bridge, subnet: formatSubnet(subnet), gateway,
        ipRange: opts.ipRange, auxAddresses: opts.auxAddresses,
        internal: opts.internal ?? false, attachable: opts.attachable || undefined, labels: opts.labels ?? {}, options: opts.options ?? {},
        mtu: bridgeOpts.mtu, masquerade: bridgeOpts.masquerade ? undefined : false,
        created: new Date().toISOString(), isDefault: false,
      });
      try {
        await this.bringUp(n);
        await this.store.save(n);
      } catch (err) {
        await this.tearDown(n).catch((downErr: unknown) => {
          this.log.warn({ network: n.id, err: downErr }, 'failed network create: its bridge or rules could not all be removed');
        });
        throw err;
      }
      return n;
    });
  }

  /** `network rm`: refused for the predefined networks and while containers are attached. */
  async remove(ref: string): Promise<void> {
    const n = this.store.resolve(ref);
    if (PREDEFINED.has(n.name)) throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
    await this.lock.run('networks', async () => {
      const users = [...this.live.values()].filter((r) => r.attachments.some((a) => a.networkId === n.id));
      if (users.length > 0) throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      await this.store.delete(n.id);
      await this.tearDown(n);
      this.names.drop(n.id);
    });
  }

  /** The IDs of containers with a live endpoint on a network. */
  endpointsOf(networkId: string): Array<{ containerId: string; name: string; endpoint: Endpoint }> {
    const out = [];
    for (const rec of this.live.values()) {
      for (const e of stateOf(rec).endpoints) if (e.networkId === networkId) out.push({ containerId: rec.containerId, name: rec.name, endpoint: e });
    }
    return out;
  }

  // ---- ContainerNetworking ----

  async attach(req: AttachRequest): Promise<SandboxState> {
    if (this.live.has(req.containerId)) await this.detach(req.containerId);
    const taken = [...this.live.values()].flatMap((r) => r.ports);
    const ports = await assignHostPorts(req.ports, taken);
    const rec: SandboxRecord = {
      containerId: req.containerId, name: req.name, netns: netnsFile(this.dirs, req.containerId),
      attachments: req.networks.map((w, i) => this.plan(this.store.resolve(w.networkId), w, `eth${i}`, i === 0 ? ports : [])),
      ports,
    };
    this.live.set(req.containerId, rec);
    try {
      const done = await attachSandbox(this.dirs, rec);
      this.live.set(req.containerId, done);
      this.refreshNames(done);
      return stateOf(done);
    } catch (err) {
      this.live.delete(req.containerId);
      throw err;
    }
  }

  async detach(containerId: string): Promise<void> {
    const rec = this.live.get(containerId);
    if (!rec) return;
    try {
      await detachSandbox(this.dirs, rec);
    } finally {
      this.live.delete(containerId);
      this.refreshNames(rec);
    }
  }

  async connect(containerId: string, name: string, wish: { networkId: string } & EndpointRequest): Promise<Endpoint> {
    const rec = this.live.get(containerId);
    if (!rec) throw conflict(`container ${containerId} is not running`);
    const net = this.store.resolve(wish.networkId);
    if (rec.attachments.some((a) => a.networkId === net.id)) throw conflict(`endpoint with name ${name} already exists in network ${net.name}`);
    const used = new Set(rec.attachments.map((a) => a.ifname));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    const added = await attachOne(this.dirs, rec, this.plan(net, wish, `eth${i}`, []));
    const next = { ...rec, attachments: [...rec.attachments, added] };
    this.live.set(containerId, next);
    await saveSandbox(this.dirs, next);
    this.refreshNames(next);
    return stateOf({ ...next, attachments: [added] }).endpoints[0];
  }

  async disconnect(containerId: string, networkId: string): Promise<void> {
    const rec = this.live.get(containerId);
    const a = rec?.attachments.find((x) => x.networkId === networkId);
    if (!rec || !a) return;
    await detachOne(this.dirs, rec, a);
    const next = { ...rec, attachments: rec.attachments.filter((x) => x !== a) };
    this.live.set(containerId, next);
    await saveSandbox(this.dirs, next);
    this.refreshNames(rec);
  }

  /**
   * A sandbox of the engine's own on network `ref` (a build's ADD download):
   * `fn` gets its namespace and endpoint; it is torn down afterwards, and an
   * engine that crashed meanwhile sweeps it at its next start (no container
   * owns it).
   */
  async withTransientSandbox<T>(ref: string, fn: (state: SandboxState) => Promise<T>): Promise<T> {
    const id = `transient-${randomBytes(16).toString('hex')}`;
    const state = await this.attach({ containerId: id, name: id, networks: [{ networkId: this.resolve(ref).id }], ports: [] });
    try {
      return await fn(state);
    } finally {
      await this.detach(id);
    }
  }

  sandbox(containerId: string): SandboxState | null {
    const rec = this.live.get(containerId);
    return rec ? stateOf(rec) : null;
  }

  /** Tell the DNS tables a running container has a new name. */
  renamed(containerId: string, name: string): void {
    const rec = this.live.get(containerId);
    if (!rec) return;
    const next = { ...rec, name };
    this.live.set(containerId, next);
    this.refreshNames(next);
    void saveSandbox(this.dirs, next).catch((err: unknown) => {
      this.log.warn({ container: containerId, err }, 'rename: the sandbox record keeps the old name; DNS answers the old name after an engine restart');
    });
  }

  async resolvConf(networkIds: string[], extra: { dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] }): Promise<string> {
    const first = networkIds.length > 0 ? this.store.resolve(networkIds[0]) : undefined;
    return this.dns.resolvConf(first, extra);
  }

  // ---- internals ----

  private plan(net: Network, wish: EndpointRequest, ifname: string, ports: PortBinding[]): AttachmentRecord {
    if (net.driver !== 'bridge') throw invalid(`container cannot be connected to network ${net.name} (driver ${net.driver})`);
    if (this.endpointsOf(net.id).length >= MAX_BRIDGE_PORTS) {
      throw conflict(`network ${net.name} is full: a Linux bridge holds at most ${MAX_BRIDGE_PORTS} containers; put more on another network`);
    }
    if (wish.ipv4Address && net.isDefault) throw invalid('user specified IP address is supported on user defined networks only');
    if (wish.ipv4Address) checkFixedAddress(net, wish.ipv4Address);
    return dropUndefined({
      networkId: net.id, networkName: net.name, ifname, aliases: wish.aliases ?? [],
      list: bridgeList(net, path.join(this.dirs.dir, 'ipam'), {
        withPorts: ports.length > 0, fixedIp: wish.ipv4Address, mac: wish.macAddress && parseMacAddress(wish.macAddress),
      }),
      runtimeConfig: runtimeConfigOf(net, wish.ipv4Address, ports),
      links: wish.links?.length ? wish.links : undefined,
      linkLocalIps: wish.linkLocalIps?.length ? wish.linkLocalIps : undefined,
    });
  }

  /**
   * Guard the ports of the sandboxes found on disk anew (an engine that
   * stopped between ADD and the guards, or one from before them): their
   * rules are replaced in two transactions, whatever was there.
   */
  private async guardLive(): Promise<void> {
    await ensureGuardChain();
    const attachments = [...this.live.values()].flatMap((r) => r.attachments);
    await removeGuards(knownGuardsOf(attachments));
    await installGuards(guardsOf(attachments));
  }

  private refreshNames(rec: SandboxRecord): void {
    this.names.rebuild(rec.attachments.map((a) => a.networkId), this.live.values());
  }

  private async bringUp(n: Network): Promise<void> {
    const prefix = Number(n.subnet.split('/')[1]);
    await ensureBridge(n.bridge, n.gateway, prefix, n.mtu);
    await installRules(n);
    await this.dns.start(n);
  }

  private async tearDown(n: Network): Promise<void> {
    await this.dns.stop(n.id);
    await removeRules(n.bridge);
    await removeBridge(n.bridge);
    await fsp.rm(path.join(this.dirs.dir, 'ipam', n.id), { recursive: true, force: true });
  }

  /** The default network `bridge` and the `host` and `none` modes, made once. */
  private async ensurePredefined(): Promise<void> {
    const now = new Date().toISOString();
    const base = { internal: false, labels: {}, options: {}, created: now, bridge: '', subnet: '', gateway: '', isDefault: false };
    if (!this.store.find('bridge')) {
      const subnet = await this.checkSubnet(parseSubnet(this.config.subnet), this.config.bridge);
      await this.store.save({
        ...base, id: randomBytes(32).toString('hex'), name: 'bridge', driver: 'bridge', bridge: this.config.bridge,
        subnet: formatSubnet(subnet), gateway: nthAddress(subnet, 1), isDefault: true,
      });
    }
    if (!this.store.find('host')) await this.store.save({ ...base, id: randomBytes(32).toString('hex'), name: 'host', driver: 'host' });
    if (!this.store.find('none')) await this.store.save({ ...base, id: randomBytes(32).toString('hex'), name: 'none', driver: 'null' });
  }

  /** A bridge name asked for (`com.docker.network.bridge.name`) must be new: no network of ours and no interface of the host has it. */
  private async checkBridgeName(bridge: string): Promise<void> {
    const owner = this.store.list().find((n) => n.bridge === bridge);
    if (owner) throw conflict(`bridge name ${bridge} is taken by network ${owner.name}`);
    if (await interfaceExists(bridge)) throw conflict(`bridge name ${bridge}: the host already has an interface of that name`);
  }

  /** A subnet is usable when no network of ours and no route of the host overlaps it. */
  private async checkSubnet(s: Subnet, ownBridge?: string): Promise<Subnet> {
    for (const n of this.store.list()) {
      if (n.subnet && overlaps(parseSubnet(n.subnet), s)) throw conflict(`subnet ${formatSubnet(s)} overlaps network ${n.name} (${n.subnet})`);
    }
    const ignore = new Set(ownBridge ? [ownBridge] : []);
    const clash = (await hostSubnets(ignore)).find((h) => overlaps(h, s));
    if (clash) throw conflict(`subnet ${formatSubnet(s)} overlaps a route of the host (${formatSubnet(clash)})`);
    return s;
  }

  /** The first /24 of the pool that overlaps nothing. */
  private async pickSubnet(): Promise<Subnet> {
    const ours = this.store.list().filter((n) => n.subnet).map((n) => parseSubnet(n.subnet));
    const host = await hostSubnets(new Set());
    for (const s of carve(parseSubnet(this.config.pool), 24)) {
      if (!ours.some((o) => overlaps(o, s)) && !host.some((h) => overlaps(h, s))) return s;
    }
    throw conflict(`all subnets of the pool ${this.config.pool} are in use; pass --subnet`);
  }

  /** Remove IP allocations that belong to no live sandbox (host-local keeps one file per address). */
  private async sweepIpam(): Promise<void> {
    const ipam = path.join(this.dirs.dir, 'ipam');
    for (const net of await fsp.readdir(ipam).catch(() => [] as string[])) {
      if (!this.store.list().some((n) => n.id === net)) {
        await fsp.rm(path.join(ipam, net), { recursive: true, force: true });
        continue;
      }
      for (const f of await fsp.readdir(path.join(ipam, net)).catch(() => [] as string[])) {
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
        const owner = (await fsp.readFile(path.join(ipam, net, f), 'utf8').catch(() => '')).split(/\s/)[0];
        if (!this.live.has(owner)) await fsp.rm(path.join(ipam, net, f), { force: true });
      }
    }
  }

  /** Remove every network of this engine from the host (bridges, rules) and every sandbox; for tests and uninstall. */
  async purge(): Promise<void> {
    for (const id of [...this.live.keys()]) await this.detach(id).catch((err: unknown) => this.leftover('sandbox', id, err));
    for (const n of this.store.list()) {
      if (n.driver === 'bridge') await this.tearDown(n).catch((err: unknown) => this.log.warn({ network: n.id, err }, 'purge: the network could not be taken off the host'));
    }
  }

  /** A container's network leftover that could not be removed now (a later sweep tries again). */
  private leftover(what: string, containerId: string, err: unknown): void {
    this.log.warn({ container: containerId, err }, `network sweep: the ${what} of a gone container could not be removed`);
  }
}

/**
 * dockerd takes any network name (spaces too: docker-py's
 * test_create_remove_network_with_space_in_name); only an empty one, one
 * with control characters (which would corrupt logs and tables) or an
 * overlong one is refused.
 */
function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (!name || /[\x00-\x1f\x7f]/.test(name) || name.length > 255) {
    throw invalid(`invalid network name ${JSON.stringify(name)}: 1 to 255 characters, no control characters`);
  }
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

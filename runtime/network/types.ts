/**
 * Network contract.
 *
 * Vocabulary (Docker's):
 * - A **network** is a Linux bridge with a subnet. The engine always has one
 *   named `bridge` (the default network, bridge `tspaas0` unless configured);
 *   users create more (`network create`), each with its own bridge and
 *   subnet. `none` (only `lo`) and `host` (the host's namespace) are modes,
 *   listed as networks like Docker lists them but never attached through CNI.
 * - An **endpoint** is one container's interface on one network: a veth pair
 *   whose host end sits on the bridge and whose other end is `eth0` (`eth1`…)
 *   in the container's network namespace, with an IP from the network's IPAM.
 * - A **sandbox** is the container's network namespace, a file bind-mounted
 *   at `<run>/netns/<id>` so it exists before the container's process and
 *   after it, until the engine tears it down.
 *
 * Lifecycle: endpoints exist only while a container runs (Docker shows no IP
 * for a stopped container). `attach` runs before the OCI runtime creates the
 * process: sandbox, then CNI ADD for `lo` and for every network of the
 * container; `detach` runs on every way out — the process's exit, a failed
 * start, a failed ADD, removal, and the recovery sweep after an engine crash —
 * and runs CNI DEL for every plugin ADD may have touched, then removes the
 * sandbox. What `attach` is about to do is written to the container's
 * `network.json` *before* it does it, so a crash at any point leaves enough on
 * disk for the sweep to undo it.
 *
 * CNI: the engine writes a conflist per network (bridge with host-local IPAM,
 * then portmap when the container publishes ports) and walks it per the CNI
 * spec, passing each plugin the previous one's result. IP allocations live
 * under `<run>/cni/ipam`, so a reboot (which ends every container) frees them.
 * The CNI `firewall` plugin is not used: its DEL leaves chains behind, and
 * the engine installs its own rules per network (firewall.ts; the rules are
 * listed in docs/network.md).
 *
 * Names: each network whose bridge exists gets a DNS responder on its gateway
 * address (dns.ts). On user networks it answers container names, short IDs
 * and aliases of the containers attached to that network; on the default
 * network it only forwards (Docker's legacy bridge has no names; `--link`
 * writes hosts entries instead). Every other question goes to the host's
 * resolvers.
 */

/** Engine-wide network settings (part of EngineConfig). */
export interface NetworkConfig {
  /** Bridge of the default network `bridge`, at most 15 characters. */
  bridge: string;
  /** Subnet of the default network (CIDR). */
  subnet: string;
  /** Pool from which networks created without `--subnet` take a /24. */
  pool: string;
  /** Prefix of named networks' bridges (at most 7 characters; 8 hex characters of the network ID follow). */
  bridgePrefix: string;
  /** Directories searched for CNI plugins. */
  cniPath: string[];
  /** Host resolv.conf to forward to and to copy search/options from. */
  resolvConf: string;
}

export type NetworkDriver = 'bridge' | 'host' | 'null';

/** A network as stored and inspected. */
export interface Network {
  id: string;              // 64 hex
  name: string;
  driver: NetworkDriver;
  /** bridge driver only (empty otherwise): bridge name, subnet (CIDR) and gateway address. */
  bridge: string;
  subnet: string;
  gateway: string;
  /** `--ip-range`: the part of the subnet (CIDR) that addresses are handed out from; absent = the whole subnet. */
  ipRange?: string;
  /** `--aux-address name=ip`: addresses of the subnet never handed out. */
  auxAddresses?: Record<string, string>;
  /** No route out of the network, and nothing in from other networks or the outside. */
  internal: boolean;
  /**
   * `--attachable` as given (shown by inspect); it changes nothing: standalone
   * containers may always join a local network (docker-compose 1.29 sets it on every network).
   */
  attachable?: boolean;
  labels: Record<string, string>;
  /** Driver options as given (shown by inspect); what they change is in the fields below. */
  options: Record<string, string>;
  /** The containers' interface MTU (`com.docker.network.driver.mtu`); absent = the kernel's default. */
  mtu?: number;
  /** false: no outbound NAT (`com.docker.network.bridge.enable_ip_masquerade=false`); absent = true. */
  masquerade?: boolean;
  created: string;         // RFC 3339
  /** True for the engine's default network `bridge` (no names; --link instead). */
  isDefault: boolean;
}

/** What `network create` takes, already validated by the edges for syntax. */
export interface CreateNetworkOptions {
  name: string;
  /** "bridge" (default); other drivers are refused. */
  driver?: string;
  /** CIDR; taken from the pool when absent. */
  subnet?: string;
  /** Defaults to the first address of the subnet. */
  gateway?: string;
  /** CIDR inside the subnet to allocate from. */
  ipRange?: string;
  /** Reserved addresses of the subnet, by name. */
  auxAddresses?: Record<string, string>;
  internal?: boolean;
  /** Kept and shown only (see `Network.attachable`). */
  attachable?: boolean;
  labels?: Record<string, string>;
  /** Driver options: the bridge's own (driver-options.ts) are applied; any other is refused. */
  options?: Record<string, string>;
}

/** A container's wish to be on one network (`--network-alias`, `--ip`). */
export interface EndpointRequest {
  aliases?: string[];
  /** A fixed IPv4 address inside the network's subnet. */
  ipv4Address?: string;
  /** A fixed MAC address of the interface (`--mac-address`): unicast, `xx:xx:xx:xx:xx:xx`. */
  macAddress?: string;
  /** Extra link-local (169.254.0.0/16) addresses on the interface (`--link-local-ip`). */
  linkLocalIps?: string[];
  /**
   * `--link` on a user network: the DNS responder answers `alias` to this
   * container only, with the address the linked container has then.
   */
  links?: Link[];
  /** Endpoint driver options: kept and shown; the bridge driver reads none of them (as Docker's). */
  driverOpts?: Record<string, string>;
}

/** `-p [hostIp:][hostPort:]containerPort[/proto]`, parsed. */
export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** "" = every address of the host. */
  hostIp: string;
  /** 0 = pick a free port when the container starts. */
  hostPort: number;
}

/** `--link name:alias`: a hosts entry and environment variables for another container. */
export interface Link {
  /** The linked container's name or ID. */
  container: string;
  alias: string;
}

/** What the container got on one network while it runs (inspect's NetworkSettings.Networks[name]). */
export interface Endpoint {
  networkId: string;
  networkName: string;
  /** Interface inside the container: eth0, eth1… */
  ifname: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  /** Aliases asked for; names the DNS responder answers besides the container's name and short ID. */
  aliases: string[];
}

/** The network state of a running container (persisted as `network.json` in its run dir). */
export interface SandboxState {
  /** The network namespace file the container joins. */
  netns: string;
  endpoints: Endpoint[];
  /** Published ports with their host ports resolved. */
  ports: PortBinding[];
}

/** What `attach` needs to know about the container (data, not the container object). */
export interface AttachRequest {
  containerId: string;
  /** Without the leading "/". */
  name: string;
  /** Networks in attach order (the first gets eth0), by network ID, with the wish for each. */
  networks: Array<{ networkId: string } & EndpointRequest>;
  ports: PortBinding[];
}

/**
 * What the container operations need from networking. The engine's network
 * manager implements it; containers know nothing of CNI, bridges or DNS.
 */
export interface ContainerNetworking {
  /** Create the sandbox and every endpoint; on failure, undo all of it and throw. */
  attach(req: AttachRequest): Promise<SandboxState>;
  /** Tear down whatever `attach` did or began for this container. Idempotent, never throws for missing parts. */
  detach(containerId: string): Promise<void>;
  /** Add one network to a running container (`network connect`). */
  connect(containerId: string, name: string, net: { networkId: string } & EndpointRequest): Promise<Endpoint>;
  /** Remove one network from a running container (`network disconnect`). */
  disconnect(containerId: string, networkId: string): Promise<void>;
  /** At engine start, after every container's state is known: tear down sandboxes of containers not `running`, and namespaces and IP allocations nothing owns. */
  sweep(running: (containerId: string) => boolean): Promise<void>;
  /** The live state of a running container, or null. */
  sandbox(containerId: string): SandboxState | null;
  /** Look up a network by ID, unique ID prefix or name (NotFound otherwise). */
  resolve(ref: string): Network;
  /** The resolv.conf a container on `networkIds` gets (nameserver = the first network's responder when it runs). */
  resolvConf(networkIds: string[], extra: { dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] }): Promise<string>;
}

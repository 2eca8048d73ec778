/**
 * Contract of the engine's per-network DNS responder (Docker's "embedded
 * DNS" is the model).
 *
 * One responder runs per user network, on the host, listening on the
 * network's gateway address on its bridge (UDP and TCP). Containers of that
 * network get it as their only `nameserver` and resolve each other by
 * container name, network alias or short id; every other question is
 * forwarded to the host's own resolvers ("upstreams").
 *
 * Vocabulary:
 * - *our name*: a name for which `lookup` returns an array (possibly empty).
 *   We answer it ourselves, authoritatively (AA bit):
 *     A     → one record per address, TTL `ttl`, NOERROR;
 *     other → NOERROR with no answers, so that a client asking A and AAAA in
 *             parallel does not wait for an upstream timeout on AAAA.
 * - *our address*: an IPv4 address for which `reverse` returns a name; a PTR
 *   question for `d.c.b.a.in-addr.arpa` is answered with that name.
 * - everything else is *forwarded*: the client's raw query goes to the
 *   upstreams in order (UDP; over TCP when the client came over TCP or the
 *   UDP answer is truncated), with a ~2 s timeout each; the first answer is
 *   relayed with the client's query id. No upstream answering → SERVFAIL.
 *
 * Only the first question of a query is looked at (as most servers do).
 * Malformed packets are dropped (UDP) or end their connection (TCP); socket
 * handlers never throw. The number of queries being forwarded at once is
 * capped; beyond it, queries are answered SERVFAIL at once.
 *
 * Upstreams on the host's loopback (127.0.0.53 of systemd-resolved…) are
 * fine: the responder itself runs on the host. An upstream equal to the
 * responder's own address and port is ignored (it would loop).
 */

export interface DnsResponderOptions {
  /** IPv4 address to listen on (the network's gateway address on its bridge), UDP and TCP. */
  address: string;
  /** Port, default 53; 0 = any free port (tests). UDP and TCP get the same port. */
  port?: number;
  /**
   * Upstream resolvers as "ip" or "ip:port" (IPv4 or IPv6; an IPv6 address
   * with a port is written "[ip]:port"), tried in order with a timeout each.
   * An unparsable entry makes `startDnsResponder` throw `Invalid`.
   */
  upstreams: string[];
  /**
   * IPv4 addresses of a name on this network (container name, alias, short
   * id), or undefined when the name is not ours. Called per question; must be
   * cheap and synchronous. Names arrive lower-cased without the trailing dot.
   * An empty array means "ours, but no IPv4 address": NOERROR, no answers.
   * `from` is the asking client's address (a container's link aliases
   * answer only to it).
   */
  lookup(name: string, from: string): string[] | undefined;
  /**
   * Optional reverse lookup: the name for an IPv4 address on this network
   * (PTR), or undefined when the address is not ours (then the PTR question
   * is forwarded). The name is returned as is, without a trailing dot.
   */
  reverse?(ip: string): string | undefined;
  /** TTL in seconds of our own answers; default 600, as Docker. */
  ttl?: number;
}

/** A running responder; `close` stops both listeners and aborts queries in flight. */
export interface DnsResponder {
  /** The address listened on (as given). */
  readonly address: string;
  /** The port actually bound (the chosen one when `port` was 0). */
  readonly port: number;
  /** Stop answering and free the port; idempotent. */
  close(): Promise<void>;
}

/** The parts of a resolv.conf the engine uses. */
export interface ResolvConf {
  /** `nameserver` addresses in file order (IPv4 or IPv6), for `upstreams`. */
  nameservers: string[];
  /** Domains of the last `search` (or `domain`) line, for the containers' own resolv.conf. */
  search: string[];
  /** Words of all `options` lines (e.g. "ndots:2", "edns0"), in order. */
  options: string[];
}

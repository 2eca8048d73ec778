/**
 * The engine's per-network DNS responder: answers the network's own names
 * (containers, aliases, short ids, their PTRs) and forwards every other
 * question to the host's resolvers. Contract and behaviour: ./dns-types.ts.
 *
 * Shape: one UDP socket and one TCP server on the same address and port
 * feed raw queries to `answerQuery`, which returns the raw reply or null
 * (drop). Forwarding sends the client's query bytes, under a fresh random
 * id, from a fresh socket per upstream attempt, and rewrites the client's id
 * into the reply it relays.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { invalid, isErrno, unavailable } from '../../lib/errors.js';
import type { DnsResponder, DnsResponderOptions, ResolvConf } from './dns-types.js';

export type { DnsResponder, DnsResponderOptions, ResolvConf } from './dns-types.js';

const DEFAULT_PORT = 53;
const DEFAULT_TTL = 600;
/** How long each upstream gets to answer (per transport attempt). */
const UPSTREAM_TIMEOUT_MS = 2000;
/** Queries being forwarded at once; beyond it we answer SERVFAIL at once. */
const MAX_FORWARDING = 1024;
const MAX_TCP_CLIENTS = 256;
const TCP_IDLE_MS = 10_000;
/** The UDP reply size every client accepts (RFC 1035); EDNS clients may announce more. */
const MIN_UDP_SIZE = 512;
/** With port 0, how often to try again when UDP got a port whose TCP twin is taken. */
const BIND_ATTEMPTS = 5;

const NOERROR = 0;
const SERVFAIL = 2;
const NOTIMP = 4;
const QR_BIT = 0x80;            // in byte 2 of the header
const TC_BIT = 0x02;            // in byte 2 of the header

type Transport = 'udp' | 'tcp';

interface Upstream {
  host: string;
  port: number;
  family: number;
}

/** What the handlers of one responder share. */
interface Context {
  lookup: DnsResponderOptions['lookup'];
  reverse: DnsResponderOptions['reverse'];
  ttl: number;
  upstreams: Upstream[];
  /** Queries currently being forwarded. */
  forwarding: number;
  /** Aborted by close(): upstream exchanges in flight end at once. */
  closing: AbortController;
}

/** Start answering on address:port (UDP + TCP); Unavailable (with cause) when the address cannot be bound. */
export async function startDnsResponder(options: DnsResponderOptions): Promise<DnsResponder> {
  if (!net.isIPv4(options.address)) throw invalid(`DNS responder address "${options.address}" is not IPv4`);
  const upstreams = options.upstreams.map(parseUpstream);
  const { udp, tcp } = await listenBoth(options.address, options.port ?? DEFAULT_PORT);
  const port = udp.address().port;
  const ctx: Context = {
    lookup: options.lookup,
    reverse: options.reverse,
    ttl: options.ttl ?? DEFAULT_TTL,
    upstreams: upstreams.filter((u) => !(u.host === options.address && u.port === port)),
    forwarding: 0,
    closing: new AbortController(),
  };
  setMaxListeners(MAX_FORWARDING + 1, ctx.closing.signal); // one abort listener per forward in flight
  serveUdp(ctx, udp);
  const clients = serveTcp(ctx, tcp);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= stop(ctx, udp, tcp, clients));
  return { address: options.address, port, close };
}

/** The host's resolvers (nameserver lines), search domains and options of a resolv.conf text. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split(/\r?\n/)) {
    const [keyword, ...args] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword === 'nameserver' && args[0] && net.isIP(args[0].replace(/%.*$/, ''))) conf.nameservers.push(args[0]);
    else if (keyword === 'search') conf.search = args;
    else if (keyword === 'domain') conf.search = args.slice(0, 1);
    else if (keyword === 'options') conf.options.push(...args);
  }
  return conf;
}

// ---- answering ------------------------------------------------------------

/** The raw reply to one raw query, or null to drop it (malformed, or not a query). */
async function answerQuery(ctx: Context, raw: Buffer, transport: Transport, from: string): Promise<Buffer | null> {
  const query = decodeQuery(raw);
  if (!query) return null;
  const question = query.questions?.[0];
  if (!question) return null;
  if (((raw[2] >> 3) & 0xf) !== 0) return encodeReply(query, [], NOTIMP, transport); // opcode ≠ QUERY
  let answers: Answer[] | null;
  try {
    answers = answerLocally(ctx, question, from);
  } catch {
    return encodeReply(query, [], SERVFAIL, transport); // the client sees the failure as SERVFAIL
  }
  if (answers) return encodeReply(query, answers, NOERROR, transport, true);
  return forward(ctx, raw, query, transport);
}

/** The query in `raw`, or null when it does not decode or is a response. */
function decodeQuery(raw: Buffer): DecodedPacket | null {
  try {
    const packet = dnsPacket.decode(raw);
    return packet.flag_qr ? null : packet;
  } catch {
    return null; // not a DNS packet: dropped, as any resolver does
  }
}

/** Our own answers to a question about our names or addresses, or null when it is not ours. */
function answerLocally(ctx: Context, question: dnsPacket.Question, from: string): Answer[] | null {
  if (question.class !== undefined && question.class !== 'IN') return null;
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const record = { name: question.name, ttl: ctx.ttl, class: 'IN' as const };
  if (question.type === 'PTR') {
    const ip = ipOfReverseName(name);
    const target = ip && ctx.reverse?.(ip);
    if (target) return [{ ...record, type: 'PTR', data: target }];
  }
  const addresses = ctx.lookup(name, from);
  if (!addresses) return null;
  if (question.type !== 'A') return [];
  return shuffled(addresses).map((data) => ({ ...record, type: 'A' as const, data }));
}

/**
 * A name with several addresses (`docker-compose up --scale`, one alias on
 * many containers) answers them in a fresh random order each time, as
 * Docker's resolver does (libnetwork's shuffleAddr): clients that take the
 * first address spread over all of them.
 */
function shuffled(addresses: string[]): string[] {
  const out = [...addresses];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** "4.3.2.1.in-addr.arpa" → "1.2.3.4"; undefined for any other name. */
function ipOfReverseName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  const ip = m ? [m[4], m[3], m[2], m[1]].join('.') : undefined;
  return ip && net.isIPv4(ip) ? ip : undefined;
}

/**
 * A reply to `query` (its first question) with the given answers and rcode.
 * Over UDP, a reply larger than the client accepts goes out truncated (TC,
 * no answers) so that the client asks again over TCP.
 */
function encodeReply(query: DecodedPacket, answers: Answer[], rcode: number, transport: Transport, aa = false): Buffer {
  const flags = (aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | dnsPacket.RECURSION_AVAILABLE
    | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode;
  const reply = { type: 'response' as const, id: query.id, flags, questions: query.questions?.slice(0, 1), answers };
  const raw = dnsPacket.encode(reply);
  if (transport === 'tcp' || raw.length <= udpLimit(query)) return raw;
  return dnsPacket.encode({ ...reply, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
}

/** The largest UDP reply the client accepts: its EDNS payload size, at least 512. */
function udpLimit(query: DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT');
  return Math.max(MIN_UDP_SIZE, opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : 0);
}

// ---- forwarding -----------------------------------------------------------

/** The first upstream's reply to a query that is not ours, with the client's id; SERVFAIL when none answers. */
async function forward(ctx: Context, raw: Buffer, query: DecodedPacket, transport: Transport): Promise<Buffer> {
  if (ctx.forwarding >= MAX_FORWARDING) return encodeReply(query, [], SERVFAIL, transport);
  ctx.forwarding++;
  try {
    for (const upstream of ctx.upstreams) {
      if (ctx.closing.signal.aborted) break;
      const reply = await askUpstream(upstream, raw, transport, udpLimit(query), ctx.closing.signal).catch(() => null);
      if (reply) {
        reply.writeUInt16BE(query.id ?? 0, 0);
        return reply;
      }
    }
  } finally {
    ctx.forwarding--;
  }
  return encodeReply(query, [], SERVFAIL, transport);
}

/**
 * One upstream's reply: over TCP when the client is on TCP, else over UDP
 * and, when that reply is truncated, again over TCP; the full reply is used
 * when it fits the client's UDP limit, else the truncated one is relayed
 * (the client then asks us over TCP).
 */
async function askUpstream(up: Upstream, raw: Buffer, transport: Transport, limit: number, signal: AbortSignal): Promise<Buffer> {
  const query = Buffer.from(raw);
  query.writeUInt16BE(randomInt(0x10000), 0);
  if (transport === 'tcp') return exchangeTcp(up, query, signal);
  const reply = await exchangeUdp(up, query, signal);
  if (!(reply[2] & TC_BIT)) return reply;
  const full = await exchangeTcp(up, query, signal).catch(() => null);
  return full && full.length <= limit ? full : reply;
}

/** Send a query to an upstream from a fresh connected UDP socket; resolves with the reply carrying its id. */
function exchangeUdp(up: Upstream, query: Buffer, signal: AbortSignal): Promise<Buffer> {
  const socket = dgram.createSocket(up.family === 6 ? 'udp6' : 'udp4');
  return settleWithin<Buffer>(signal, () => socket.close(), (resolve, reject) => {
    socket.on('error', reject); // ECONNREFUSED (ICMP) included: the next upstream is tried at once
    socket.on('message', (msg) => {
      if (isReplyTo(msg, query)) resolve(msg);
    });
    socket.connect(up.port, up.host, () => socket.send(query));
  });
}

/** Send a query to an upstream over a fresh TCP connection; resolves with the reply carrying its id. */
function exchangeTcp(up: Upstream, query: Buffer, signal: AbortSignal): Promise<Buffer> {
  const socket = new net.Socket();
  return settleWithin<Buffer>(signal, () => socket.destroy(), (resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('upstream closed the connection')));
    onFrames(socket, (msg) => (isReplyTo(msg, query) ? resolve(msg) : reject(new Error('unexpected reply'))));
    socket.connect(up.port, up.host, () => socket.write(frame(query)));
  });
}

/** True when `msg` is a response with the id of `query`. */
function isReplyTo(msg: Buffer, query: Buffer): boolean {
  return msg.length >= 12 && (msg[2] & QR_BIT) !== 0 && msg.readUInt16BE(0) === query.readUInt16BE(0);
}

/**
 * A promise settled by `start`, rejected after UPSTREAM_TIMEOUT_MS or when
 * `signal` aborts; `cleanup` runs exactly once when it settles.
 */
function settleWithin<T>(
  signal: AbortSignal,
  cleanup: () => void,
  start: (resolve: (value: T) => void, reject: (err: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const settle = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      try { cleanup(); } catch { /* already closed */ }
      fn();
    };
    const fail = (err: unknown) => settle(() => reject(err));
    const onAbort = () => fail(new Error('DNS responder closed'));
    const timer = setTimeout(() => fail(new Error('upstream timed out')), UPSTREAM_TIMEOUT_MS);
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) return onAbort();
    try {
      start((value) => settle(() => resolve(value)), fail);
    } catch (err) {
      fail(err);
    }
  });
}

/** "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (a bare IPv6 address has no port) → Upstream; Invalid otherwise. */
function parseUpstream(text: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const host = m ? m[1] : text;
  const port = m?.[2] ? Number(m[2]) : DEFAULT_PORT;
  const family = net.isIP(host.replace(/%.*$/, ''));
  if (!family || !(port > 0 && port < 65536)) throw invalid(`DNS upstream "${text}" is not "ip" or "ip:port"`);
  return { host, port, family };
}

// ---- sockets --------------------------------------------------------------

/** Answer UDP queries; no error of a datagram or of the socket stops it. */
function serveUdp(ctx: Context, udp: dgram.Socket): void {
  udp.on('error', () => undefined); // e.g. ICMP errors reported on later sends
  udp.on('message', (msg, rinfo) => {
    answerQuery(ctx, msg, 'udp', rinfo.address)
      .then((reply) => {
        if (reply && !ctx.closing.signal.aborted) udp.send(reply, rinfo.port, rinfo.address);
      })
      .catch(() => undefined); // no reply: the client retries or tries its next server, as after a lost datagram
  });
}

/** Answer TCP clients (framed queries, possibly several per connection); returns the live connections. */
function serveTcp(ctx: Context, tcp: net.Server): Set<net.Socket> {
  const clients = new Set<net.Socket>();
  tcp.maxConnections = MAX_TCP_CLIENTS;
  tcp.on('error', () => undefined);
  tcp.on('connection', (socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    onFrames(socket, (msg) => {
      answerQuery(ctx, msg, 'tcp', socket.remoteAddress?.replace(/^::ffff:/, '') ?? '').then((reply) => {
        if (!reply) socket.destroy(); // malformed: end the connection
        else if (!socket.destroyed) socket.write(frame(reply));
      }, () => socket.destroy());
    });
  });
  return clients;
}

/** Call `onFrame` with each length-prefixed DNS message arriving on a TCP socket. */
function onFrames(socket: net.Socket, onFrame: (msg: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const end = 2 + buffered.readUInt16BE(0);
      onFrame(buffered.subarray(2, end));
      buffered = buffered.subarray(end);
    }
  });
}

/** A DNS message with its TCP length prefix. */
function frame(msg: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(msg.length);
  return Buffer.concat([prefix, msg]);
}

/** Bind UDP then TCP on the same port; with port 0, retry when TCP's twin port is taken. */
async function listenBoth(address: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address, port, exclusive: true }, () => resolve());
      });
    } catch (err) {
      throw unavailable(`cannot listen for DNS on udp ${address}:${port}`, err);
    }
    udp.removeAllListeners('error');
    const bound = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: address, port: bound, exclusive: true }, () => resolve());
      });
      tcp.removeAllListeners('error');
      return { udp, tcp };
    } catch (err) {
      udp.close();
      if (port !== 0 || attempt >= BIND_ATTEMPTS || !isErrno(err, 'EADDRINUSE')) {
        throw unavailable(`cannot listen for DNS on tcp ${address}:${bound}`, err);
      }
    }
  }
}

/** Stop both listeners, end TCP clients and abort forwards in flight. */
async function stop(ctx: Context, udp: dgram.Socket, tcp: net.Server, clients: Set<net.Socket>): Promise<void> {
  ctx.closing.abort();
  for (const socket of clients) socket.destroy();
  await Promise.all([
    new Promise<void>((resolve) => udp.close(() => resolve())),
    new Promise<void>((resolve) => tcp.close(() => resolve())),
  ]);
}

/**
 * The IP address a request came from, for the audit log (issue 17): the
 * socket's peer, since tspaasd listens itself. X-Forwarded-For is anyone's to
 * write, so it is read only when the peer is a reverse proxy the operator
 * named (`--trusted-proxy`, PlatformConfig.trustedProxies); then the client
 * is the right-most address of the header that is not such a proxy (each
 * proxy appends the address it saw; what a client sent itself is left of it).
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

const lists = new WeakMap<readonly string[], net.BlockList>();

/** The client's address of `req` (IPv4-mapped IPv6 as plain IPv4); undefined when the socket has none (closed). */
export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[] = []): string | undefined {
  const peer = plain(req.socket.remoteAddress);
  if (peer === undefined || trustedProxies.length === 0) return peer;
  const trusted = trustList(trustedProxies);
  if (!isTrusted(trusted, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => plain(h.trim())).filter((h) => h !== undefined);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!isTrusted(trusted, client)) break;
  }
  return client;
}

/** A `--trusted-proxy` value: an IP address or a CIDR (v4 or v6), normalised; Invalid-worthy text gives undefined. */
export function parseProxyAddress(value: string): string | undefined {
  const [ip, bits, extra] = value.trim().split('/');
  const family = net.isIP(ip ?? '');
  if (family === 0 || extra !== undefined) return undefined;
  if (bits === undefined) return ip;
  const n = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  return n <= (family === 4 ? 32 : 128) ? `${ip}/${n}` : undefined;
}

/** An address as the audit log keeps it: `::ffff:10.0.0.1` → `10.0.0.1`; undefined for anything that is no IP. */
function plain(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = v4 ?? address.replace(/%.*$/, '');
  return net.isIP(ip) ? ip : undefined;
}

function isTrusted(list: net.BlockList, ip: string): boolean {
  return list.check(ip, net.isIPv4(ip) ? 'ipv4' : 'ipv6');
}

function trustList(proxies: readonly string[]): net.BlockList {
  let list = lists.get(proxies);
  if (!list) {
    list = new net.BlockList();
    for (const p of proxies) {
      const [ip, bits] = p.split('/');
      const type = net.isIPv4(ip!) ? 'ipv4' : 'ipv6';
      if (bits === undefined) list.addAddress(ip!, type);
      else list.addSubnet(ip!, Number(bits), type);
    }
    lists.set(proxies, list);
  }
  return list;
}

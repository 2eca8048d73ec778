/** IPv4 addresses and subnets as the network code needs them: parse, compare, pick. */
import { invalid } from '../../lib/errors.js';

/** A parsed IPv4 subnet. */
export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** "10.1.2.3" → number; Invalid for anything else. */
export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw invalid(`invalid IPv4 address: ${text}`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** number → "10.1.2.3". */
export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** "10.1.0.0/16" → Subnet; the address must be the network address. */
export function parseSubnet(text: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 32) throw invalid(`invalid subnet ${text}: expected an IPv4 CIDR such as 10.1.0.0/24`);
  const prefix = Number(m[2]);
  const ip = parseIp(m[1]);
  const base = (ip & mask(prefix)) >>> 0;
  if (base !== ip) throw invalid(`invalid subnet ${text}: did you mean ${formatIp(base)}/${prefix}?`);
  if (prefix > 30) throw invalid(`subnet ${text} is too small: at most /30`);
  return { base, prefix };
}

/** The subnet of length `prefix` that holds address `ip`. */
export function subnetOf(ip: string, prefix: number): Subnet {
  return { base: (parseIp(ip) & mask(prefix)) >>> 0, prefix };
}

/** Subnet → "10.1.0.0/16". */
export function formatSubnet(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Number of addresses in the subnet. */
export function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

/** Whether an address lies inside a subnet. */
export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

/** Whether two subnets share any address. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The n-th address of a subnet (1 = the usual gateway). */
export function nthAddress(s: Subnet, n: number): string {
  return formatIp(s.base + n);
}

/** The subnets of size `/prefix` inside `pool`, in order. */
export function* carve(pool: Subnet, prefix: number): Generator<Subnet> {
  if (prefix < pool.prefix) return;
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base < pool.base + size(pool); base += step) yield { base, prefix };
}

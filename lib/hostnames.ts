/**
 * Host names as both the platform and the router read them: one canonical
 * spelling (DNS compares names without case, RFC 4343; `name.` is the
 * absolute form of `name`) and what is an IP literal rather than a name.
 */

/** `Shop.Example.` → `shop.example`: lower case, one trailing dot dropped. */
export function canonicalHost(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * True when `host` is an IP literal: IPv6 (`[::1]`, `::1`) or what the WHATWG
 * URL Standard's "ends in a number checker" sends to its IPv4 parser — a last
 * label of digits or `0x` hex, so `127.1`, `0x7f.0.0.1`, `2130706433`,
 * `017700000001` and `1.2.3.4` all count (browsers and inet_aton read them as
 * addresses, never as DNS names).
 */
export function isIpLiteral(host: string): boolean {
  if (host.includes(':') || host.startsWith('[')) return true;
  const labels = host.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  const last = labels[labels.length - 1] ?? '';
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

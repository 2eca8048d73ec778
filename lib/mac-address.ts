/** MAC addresses as `--mac-address` takes them. */
import { invalid } from './errors.js';

/**
 * Check a `--mac-address`: six hex pairs separated by colons (or dashes, as
 * Go's net.ParseMAC takes them), unicast; the canonical lowercase form.
 */
export function parseMacAddress(mac: string): string {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(mac);
  if (!m) throw invalid(`invalid MAC address: ${mac}`);
  const octets = [m[1], m[3], m[4], m[5], m[6], m[7]].map((o) => o!.toLowerCase());
  if (parseInt(octets[0]!, 16) & 1) throw invalid(`invalid MAC address ${mac}: a multicast address cannot be an interface's`);
  if (octets.every((o) => o === '00')) throw invalid(`invalid MAC address ${mac}: all zeros`);
  return octets.join(':');
}

/**
 * Checks of command-line values shared by the programs' entry points
 * (tspaasd's platform/config.ts, the router's router/config.ts), so that a
 * value both read — `--base-domain` / TSPAAS_BASE_DOMAIN — means one thing.
 */
import { invalid } from './errors.js';

/** `value` when it is one of `allowed`; Invalid naming the flag and the choices otherwise. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  const found = allowed.find((a) => a === value);
  if (!found) throw invalid(`invalid ${flag} "${value}": use one of ${allowed.join(', ')}`);
  return found;
}

/** The base domain apps live under (`--base-domain`): a DNS name, lowercased, without a trailing dot. */
export function baseDomain(value: string): string {
  const d = value.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(d)) {
    throw invalid(`invalid --base-domain "${value}": use a DNS name like apps.example.com`);
  }
  return d;
}

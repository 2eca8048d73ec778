/**
 * The rules of scoped builds (types.ts, "Scopes"): which FROM / `--from`
 * images they may use, which registries they may make the engine pull from,
 * and the label on every image they write.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type { ContainerConfig, Image } from '../images/types.js';
import { fullyQualified, idPrefix, normalizeReference } from '../images/refs.js';
import { DOCKER_HUB, parseRemoteRef } from '../registry/reference.js';
import type { RegistryAuth } from '../registry/types.js';
import { BUILD_SCOPE_LABEL } from './types.js';

/** Addresses no scoped build's registry may have: loopback, unspecified, link-local, multicast/reserved (v4 and v6). */
const ALWAYS_DENIED: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], ['127.0.0.0', 8, 'ipv4'], ['169.254.0.0', 16, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
];

/**
 * The reference a build resolves: in a scoped build a hex-looking one is
 * taken as a name only (`abcd` → `abcd:latest`), never as an image ID or ID
 * prefix; null when it cannot be a name (`sha256:…`).
 */
export function resolvableRef(scope: string | undefined, ref: string): string | null {
  if (scope === undefined || idPrefix(ref) === undefined) return ref;
  try {
    return normalizeReference(ref);
  } catch {
    return null; // not a valid name: it resolves to nothing in the scope, as documented above
  }
}

/** An image a scoped build may use: none labelled with another scope. */
export function mayUseImage(scope: string | undefined, image: Image): boolean {
  const owner = image.config.config?.Labels?.[BUILD_SCOPE_LABEL];
  return scope === undefined || owner === undefined || owner === scope;
}

/** The config of an image a build writes, labelled with its scope when it has one. */
export function scopedConfig(config: ContainerConfig, scope: string | undefined): ContainerConfig {
  if (scope === undefined) return config;
  return { ...config, Labels: { ...(config.Labels ?? {}), [BUILD_SCOPE_LABEL]: scope } };
}

/**
 * Whether a scoped build may make the engine pull `name` (pulls run in the
 * engine's own namespace on the host): not when the registry's host is, or
 * resolves to, an address of the list above, one of this host's own, or one
 * in `subnets` (the engine's networks). IPv4 literals in any spelling are
 * normalized first (WHATWG URL parsing). A name that does not resolve is
 * left to the pull to fail. A Docker Hub name may always be pulled: it goes
 * only to the registry mirrors the operator configured (registry/mirrors.ts).
 */
export async function mayPullFrom(scope: string | undefined, name: string, subnets: string[]): Promise<boolean> {
  if (scope === undefined || parseRemoteRef(name).registry === DOCKER_HUB) return true;
  const domain = fullyQualified(normalizeReference(name)).split('/')[0];
  const host = new URL(`https://${domain}`).hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  const denied = deniedList(subnets);
  return !addresses.some((a) => denied.check(a, net.isIPv6(a) ? 'ipv6' : 'ipv4'));
}

function deniedList(subnets: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const [address, prefix, type] of ALWAYS_DENIED) list.addSubnet(address, prefix, type);
  for (const a of Object.values(os.networkInterfaces()).flat()) if (a) list.addAddress(a.address.split('%')[0], a.family === 'IPv6' ? 'ipv6' : 'ipv4');
  for (const s of subnets) list.addSubnet(s.split('/')[0], Number(s.split('/')[1]), 'ipv4');
  return list;
}

/**
 * Whether a scoped build asks the registry for `name` even when the image is
 * in the store: yes for a name with a registry host, so that an image that
 * one scope pulled with its credentials is never a base for a scope without
 * them (the registry decides again; layers already here are not fetched
 * twice). Docker Hub names (from the operator's mirrors) and local images
 * are used as they are.
 */
export function mustPullAgain(scope: string | undefined, name: string): boolean {
  return scope !== undefined && parseRemoteRef(name).registry !== DOCKER_HUB;
}

/** The build's credentials for the registry `name` is pulled from (keys: registry hosts, `docker.io` for Docker Hub). */
export function registryAuthFor(auths: Readonly<Record<string, RegistryAuth>> | undefined, name: string): RegistryAuth | undefined {
  return auths?.[parseRemoteRef(name).registry];
}

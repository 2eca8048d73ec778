/**
 * The rules of scoped builds (types.ts, "Scopes"): which FROM / `--from`
 * images they may use, and the label on every image they write.
 */
import type { ContainerConfig, Image } from '../images/types.js';
import { idPrefix, normalizeReference } from '../images/refs.js';
import { BUILD_SCOPE_LABEL } from './types.js';

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
    return null;
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

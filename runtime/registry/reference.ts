/** References as the wire needs them: registry host, repository, tag or digest. */
import { unavailable } from '../../lib/errors.js';
import { DOCKER_HUB } from '../../lib/registry-hosts.js';
import { parseReference } from '../images/refs.js';
import type { RemoteRef } from './types.js';

// Docker Hub's name and `docker login`'s host rule are lib/'s: the platform reads them too.
export { DOCKER_HUB, registryHost } from '../../lib/registry-hosts.js';

/**
 * Split an image reference into registry, repository and tag/digest. A name
 * without a registry host is Docker Hub's: registry `docker.io`, repository
 * `library/<name>` for an official image (`node:20`), `<user>/<name>`
 * otherwise; only registry mirrors (mirrors.ts) can serve those.
 */
export function parseRemoteRef(ref: string): RemoteRef {
  const parsed = parseReference(ref);
  const slash = parsed.name.indexOf('/');
  const first = slash === -1 ? '' : parsed.name.slice(0, slash);
  const reference = parsed.digest ?? parsed.tag ?? 'latest';
  const byDigest = parsed.digest !== undefined;
  if (!first || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: DOCKER_HUB, repository: slash === -1 ? `library/${parsed.name}` : parsed.name, reference, byDigest };
  }
  return { registry: first, repository: parsed.name.slice(slash + 1), reference, byDigest };
}

/**
 * `parseRemoteRef` for a registry the engine reaches itself (push): a name
 * of Docker Hub, which this engine cannot reach, is `Unavailable`.
 */
export function remoteRef(ref: string): RemoteRef {
  const r = parseRemoteRef(ref);
  if (r.registry === DOCKER_HUB) throw unavailable(noHubMessage(ref, r));
  return r;
}

/** Why a Docker Hub name cannot be reached, and what to do about it. */
export function noHubMessage(ref: string, r: RemoteRef, mirrorHint = false): string {
  const hub = `${DOCKER_HUB}/${r.repository}${r.byDigest ? '@' : ':'}${r.reference}`;
  const example = `127.0.0.1:5000/${r.repository.replace(/^library\//, '')}`;
  return `cannot reach registry ${DOCKER_HUB} for "${ref}" (${hub}): this engine has no access to Docker Hub; `
    + (mirrorHint ? 'configure a registry mirror that serves Docker Hub\'s images (tspaasd --registry-mirror URL, or TSPAAS_REGISTRY_MIRRORS) or ' : '')
    + `name an image on a registry you run, e.g. ${example}`;
}

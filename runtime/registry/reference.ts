/** References as the wire needs them: registry host, repository, tag or digest. */
import { unavailable } from '../../lib/errors.js';
import { parseReference } from '../images/refs.js';
import type { RemoteRef } from './types.js';

/**
 * Split an image reference into registry, repository and tag/digest. A name
 * without a registry host is Docker Hub's, which this engine cannot reach:
 * `Unavailable`, naming the registry.
 */
export function remoteRef(ref: string): RemoteRef {
  const parsed = parseReference(ref);
  const slash = parsed.name.indexOf('/');
  const first = slash === -1 ? '' : parsed.name.slice(0, slash);
  if (!first || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw unavailable(`cannot reach registry docker.io for "${ref}": this engine has no access to Docker Hub; `
      + 'name an image on a registry you run, e.g. 127.0.0.1:5000/' + parsed.name);
  }
  const reference = parsed.digest ?? parsed.tag ?? 'latest';
  return { registry: first, repository: parsed.name.slice(slash + 1), reference, byDigest: parsed.digest !== undefined };
}

/** `host[:port]` of a server address as `docker login` sends it (`https://host/v2/`, `host:5000`…). */
export function registryHost(serverAddress: string): string {
  const bare = serverAddress.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? 'docker.io' : bare;
}

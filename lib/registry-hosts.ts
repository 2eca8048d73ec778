/**
 * Registry host names as `docker login` and image references spell them,
 * read by the engine (pulls, pushes, credentials) and by the platform (the
 * registry logins of apps and teams) alike.
 */

/** The registry a name without a registry host names. */
export const DOCKER_HUB = 'docker.io';

/** `host[:port]` of a server address as `docker login` sends it (`https://host/v2/`, `host:5000`…). */
export function registryHost(serverAddress: string): string {
  const bare = serverAddress.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? DOCKER_HUB : bare;
}

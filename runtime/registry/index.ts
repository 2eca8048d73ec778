/**
 * The registry client (see types.ts): pull, push and credential checks
 * against OCI distribution v2 registries, on the engine's image store.
 */
import { RegistrySession } from './client.js';
import { registryHost } from './reference.js';
import type { RegistryAuth, RegistryConfig } from './types.js';

export { pullImage } from './pull.js';
export { pushImage } from './push.js';
export { DOCKER_HUB, parseRemoteRef, remoteRef, registryHost } from './reference.js';
export { parseMirrorUrl } from './mirrors.js';
export type * from './types.js';

/**
 * Check credentials against a registry as `docker login` does: answer its
 * `/v2/` challenge with them. `Forbidden` when the registry refuses them.
 */
export async function checkRegistryAuth(cfg: RegistryConfig, serverAddress: string, auth: RegistryAuth): Promise<void> {
  await RegistrySession.open(registryHost(serverAddress), cfg, auth, []);
}

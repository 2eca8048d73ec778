/**
 * The registry client (see types.ts): pull, push and credential checks
 * against OCI distribution v2 registries, on the engine's image store.
 */
import { internal } from '../../lib/errors.js';
import { OciImageStore } from '../images/store.js';
import type { ImageStore } from '../images/types.js';
import type { StoreCore } from '../images/core.js';
import { RegistrySession } from './client.js';
import { registryHost } from './reference.js';
import type { RegistryAuth, RegistryConfig } from './types.js';

export { pullImage } from './pull.js';
export { pushImage } from './push.js';
export { DOCKER_HUB, parseRemoteRef, remoteRef, registryHost } from './reference.js';
export { parseMirrorUrl } from './mirrors.js';
export type * from './types.js';

/** The store's staging and commit interface, which pull needs beyond the ImageStore contract. */
export function storeCore(store: ImageStore): ImageStore & StoreCore {
  if (!(store instanceof OciImageStore)) throw internal('the registry client needs the OCI image store');
  return store;
}

/**
 * Check credentials against a registry as `docker login` does: answer its
 * `/v2/` challenge with them. `Forbidden` when the registry refuses them.
 */
export async function checkRegistryAuth(cfg: RegistryConfig, serverAddress: string, auth: RegistryAuth): Promise<void> {
  await RegistrySession.open(registryHost(serverAddress), cfg, auth, []);
}

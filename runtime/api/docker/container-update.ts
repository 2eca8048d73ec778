/** Docker's `POST /containers/{id}/update` body → the engine's `ContainerUpdate` (issue 16). */
import { invalid } from '../../../lib/errors.js';
import type { ContainerUpdate } from '../../containers/types.js';
import { restartPolicy, type DockerHostConfig } from './container-create.js';
import { updateResources, type DockerResources } from './docker-resources.js';

/** Docker's UpdateConfig: the resources plus a restart policy (an empty Name leaves the policy as it is). */
export interface DockerUpdateBody extends DockerResources {
  RestartPolicy?: DockerHostConfig['RestartPolicy'];
}

/** Translate an update request. */
export function toContainerUpdate(body: DockerUpdateBody | undefined): ContainerUpdate {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('update config must be a JSON object');
  const policy = restartPolicy(body.RestartPolicy);
  return { ...updateResources(body), ...(policy ? { restartPolicy: policy } : {}) };
}

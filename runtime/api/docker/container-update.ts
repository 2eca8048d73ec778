/** Docker's `POST /containers/{id}/update` body → the engine's `ContainerUpdate` (issue 16). */
import { invalid } from '../../../lib/errors.js';
import type { ContainerUpdate } from '../../containers/types.js';
import { restartPolicy } from './container-create.js';
import { updateResources } from './docker-resources.js';
import type { ContainerUpdateRequest } from './types.js';

/** Translate an update request. */
export function toContainerUpdate(body: ContainerUpdateRequest | undefined): ContainerUpdate {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('update config must be a JSON object');
  const policy = restartPolicy(body.RestartPolicy);
  return { ...updateResources(body), ...(policy ? { restartPolicy: policy } : {}) };
}

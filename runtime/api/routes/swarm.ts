/**
 * Swarm mode's endpoints. The engine is a single node that never joins a
 * swarm, so each answers what Docker answers on a node outside a swarm
 * (moby daemon/cluster: `errNoSwarm`, `errSwarmNotManager`, both
 * Unavailable, 503): clients such as docker-py's `leave_swarm(force=True)`
 * read exactly that reply as "nothing to leave". Creating or joining a
 * swarm is refused the same way, with the reason.
 */
import { unavailable } from '../../../lib/errors.js';
import type { Method, Route } from '../api-call.js';

const NO_SWARM = 'This node is not part of a swarm';
const NOT_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const UNSUPPORTED = 'swarm mode is not supported by this engine: it runs containers on this host only';

/** A route whose every request is refused with `message` (Unavailable). */
function refused(method: Method, path: string, message: string): Route {
  return { method, path, handler: async () => { throw unavailable(message); } };
}

/** Manager-only resources: listed, inspected, created, updated and removed only on a swarm manager. */
const MANAGED = ['nodes', 'services', 'tasks', 'secrets', 'configs'];

export const swarmRoutes: Route[] = [
  refused('GET', '/swarm', NOT_MANAGER),
  refused('POST', '/swarm/init', UNSUPPORTED),
  refused('POST', '/swarm/join', UNSUPPORTED),
  refused('POST', '/swarm/leave', NO_SWARM),
  refused('POST', '/swarm/update', NOT_MANAGER),
  refused('GET', '/swarm/unlockkey', NOT_MANAGER),
  refused('POST', '/swarm/unlock', NO_SWARM),
  ...MANAGED.flatMap((kind) => [
    refused('GET', `/${kind}`, NOT_MANAGER),
    refused('GET', `/${kind}/:id`, NOT_MANAGER),
    refused('DELETE', `/${kind}/:id`, NOT_MANAGER),
    refused('POST', `/${kind}/create`, NOT_MANAGER),
    refused('POST', `/${kind}/:id/update`, NOT_MANAGER),
  ]),
];

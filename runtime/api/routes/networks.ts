/** Networks: list, create, inspect, remove, prune, connect and disconnect containers. */
import { invalid } from '../../../lib/errors.js';
import type { Exchange, Route } from '../exchange.js';
import { readJson } from '../http/body.js';
import { sendJson, sendStatus } from '../http/reply.js';
import { parseFilters } from '../docker/filters.js';
import { pruneFilter } from '../docker/prune-filters.js';
import {
  filterNetworks, networkJson, toCreateNetworkOptions, toEndpointRequest, type DockerEndpointConfig, type DockerNetworkCreateBody,
} from '../docker/network-json.js';
import type { NetworkCreateResponse, NetworkPruneResponse } from '../docker/types.js';

interface ConnectBody {
  Container?: string;
  EndpointConfig?: DockerEndpointConfig | null;
  Force?: boolean;
}

async function list(ex: Exchange): Promise<void> {
  const networks = filterNetworks(await ex.ctx.engine.listNetworks(), parseFilters(ex.query.get('filters')));
  sendJson(ex.res, 200, networks.map((n) => networkJson(n, false)));
}

async function inspect(ex: Exchange): Promise<void> {
  sendJson(ex.res, 200, networkJson(await ex.ctx.engine.inspectNetwork(ex.params.id!)));
}

async function create(ex: Exchange): Promise<void> {
  const n = await ex.ctx.engine.createNetwork(toCreateNetworkOptions(await readJson<DockerNetworkCreateBody>(ex)));
  sendJson(ex.res, 201, { Id: n.id, Warning: '' } satisfies NetworkCreateResponse);
}

async function remove(ex: Exchange): Promise<void> {
  await ex.ctx.engine.removeNetwork(ex.params.id!);
  sendStatus(ex.res, 204);
}

async function prune(ex: Exchange): Promise<void> {
  const { deleted } = await ex.ctx.engine.pruneNetworks(pruneFilter(parseFilters(ex.query.get('filters'))));
  sendJson(ex.res, 200, { NetworksDeleted: deleted } satisfies NetworkPruneResponse);
}

/** dockerd answers connect and disconnect with 200 and no body. */
async function connect(ex: Exchange): Promise<void> {
  const body = await connectBody(ex);
  await ex.ctx.engine.connectNetwork(ex.params.id!, body.Container, toEndpointRequest(body.EndpointConfig));
  sendStatus(ex.res, 200);
}

/** `Force` changes nothing: leaving a network never waits for the container. */
async function disconnect(ex: Exchange): Promise<void> {
  const body = await connectBody(ex);
  await ex.ctx.engine.disconnectNetwork(ex.params.id!, body.Container);
  sendStatus(ex.res, 200);
}

async function connectBody(ex: Exchange): Promise<ConnectBody & { Container: string }> {
  const body = (await readJson<ConnectBody>(ex)) ?? {};
  if (!body.Container) throw invalid('a container is required (Container)');
  return { ...body, Container: body.Container };
}

export const networkRoutes: Route[] = [
  { method: 'GET', path: '/networks', handler: list },
  { method: 'POST', path: '/networks/create', handler: create },
  { method: 'POST', path: '/networks/prune', handler: prune },
  { method: 'GET', path: '/networks/:id', handler: inspect },
  { method: 'DELETE', path: '/networks/:id', handler: remove },
  { method: 'POST', path: '/networks/:id/connect', handler: connect },
  { method: 'POST', path: '/networks/:id/disconnect', handler: disconnect },
];

/** Networks: list, create, inspect, remove, prune, connect and disconnect containers. */
import { invalid } from '../../../lib/errors.js';
import type { ApiCall, Route } from '../api-call.js';
import { readJson } from '../http/body.js';
import { sendJson, sendStatus } from '../http/reply.js';
import { parseFilters } from '../docker/filters.js';
import { pruneFilter } from '../docker/prune-filters.js';
import {
  filterNetworks, networkJson, toCreateNetworkOptions, toEndpointRequest,
} from '../docker/network-json.js';
import type { NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse } from '../docker/types.js';

async function list(call: ApiCall): Promise<void> {
  const networks = filterNetworks(await call.ctx.engine.listNetworks(), parseFilters(call.query.get('filters')));
  sendJson(call.res, 200, networks.map((n) => networkJson(n, false)));
}

async function inspect(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, networkJson(await call.ctx.engine.inspectNetwork(call.params.id!)));
}

async function create(call: ApiCall): Promise<void> {
  const n = await call.ctx.engine.createNetwork(toCreateNetworkOptions(await readJson<NetworkCreateRequest>(call)));
  sendJson(call.res, 201, { Id: n.id, Warning: '' } satisfies NetworkCreateResponse);
}

async function remove(call: ApiCall): Promise<void> {
  await call.ctx.engine.removeNetwork(call.params.id!);
  sendStatus(call.res, 204);
}

async function prune(call: ApiCall): Promise<void> {
  const { deleted } = await call.ctx.engine.pruneNetworks(pruneFilter(parseFilters(call.query.get('filters'))));
  sendJson(call.res, 200, { NetworksDeleted: deleted } satisfies NetworkPruneResponse);
}

/** dockerd answers connect and disconnect with 200 and no body. */
async function connect(call: ApiCall): Promise<void> {
  const body = await connectBody(call);
  await call.ctx.engine.connectNetwork(call.params.id!, body.Container, toEndpointRequest(body.EndpointConfig));
  sendStatus(call.res, 200);
}

/** `Force` changes nothing: leaving a network never waits for the container. */
async function disconnect(call: ApiCall): Promise<void> {
  const body = await connectBody(call);
  await call.ctx.engine.disconnectNetwork(call.params.id!, body.Container);
  sendStatus(call.res, 200);
}

async function connectBody(call: ApiCall): Promise<NetworkConnectRequest & { Container: string }> {
  const body = (await readJson<NetworkConnectRequest>(call)) ?? {};
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

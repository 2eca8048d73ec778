/**
 * Each error kind the engine raises, driven for real through the Engine API:
 * the status is the one of lib/http-status.ts (Docker's own, moby errdefs'
 * GetHTTPErrorStatusCode), and the CLI's client (cli/engine-client.ts) reads
 * the same kind back. Unauthorized is left out: nothing in the engine raises
 * it (a registry refusing credentials is Forbidden, docs/registry.md).
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineClient } from '../../../cli/engine-client.js';
import { kindOf, type ErrorKind } from '../../../lib/errors.js';
import { STATUS_OF_KIND } from '../../../lib/http-status.js';
import { serveEngineApi } from '../../../runtime/api/server.js';
import { startTestEngine } from '../../helpers/engine.js';
import { serveTestEngineFor } from '../../helpers/engine-api.js';
import { request } from './client.js';

interface Case { kind: ErrorKind; method: string; path: string; body?: string }

const json = { 'Content-Type': 'application/json' };

/** The raw status of the request, then the kind the CLI's client throws for the same request. */
async function roundTrip(socketPath: string, c: Case): Promise<{ status: number; cliKind: ErrorKind | 'succeeded' }> {
  const raw = await request(socketPath, c.method, c.path, c.body, c.body ? json : {});
  const opts = c.body ? { body: JSON.parse(c.body) as unknown } : {};
  const cliKind = await new EngineClient(socketPath).text(c.method, c.path, opts).then(() => 'succeeded' as const, (err: unknown) => kindOf(err));
  return { status: raw.status, cliKind };
}

test('NotFound, Conflict, Invalid, Forbidden, Unavailable: the table\'s status, and the CLI reads the same kind', async (t) => {
  const { socketPath } = await serveTestEngineFor(t, { busybox: true, quiet: true });
  const client = new EngineClient(socketPath);
  await client.json('POST', '/containers/create', { query: { name: 'taken' }, body: { Image: 'busybox', Cmd: ['true'] } });
  const cases: Case[] = [
    { kind: 'NotFound', method: 'GET', path: '/containers/ghost/json' },
    { kind: 'Conflict', method: 'POST', path: '/containers/create?name=taken', body: JSON.stringify({ Image: 'busybox', Cmd: ['true'] }) },
    { kind: 'Invalid', method: 'POST', path: '/containers/create', body: JSON.stringify({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }) },
    // Docker answers 403 for removing a pre-defined network (moby daemon/network.go, errdefs.Forbidden)
    { kind: 'Forbidden', method: 'DELETE', path: '/networks/bridge' },
    // a Docker Hub name with no mirror configured: the registry cannot be reached (docs/registry.md)
    { kind: 'Unavailable', method: 'POST', path: '/images/create?fromImage=nosuchimage&tag=1' },
  ];
  for (const c of cases) {
    const { status, cliKind } = await roundTrip(socketPath, c);
    t.is(status, STATUS_OF_KIND[c.kind], `${c.kind}: ${c.method} ${c.path}`);
    t.is(cliKind, c.kind, `${c.kind}: the CLI's kind`);
  }
  t.is(STATUS_OF_KIND.Unavailable, 503, 'Unavailable is 503 as in moby errdefs');
});

test('swarm mode: every endpoint answers what Docker answers outside a swarm (503 with moby\'s message), as docker-py\'s leave_swarm(force=True) expects', async (t) => {
  const { socketPath } = await serveTestEngineFor(t, { busybox: true, quiet: true });
  // docker-py 5.0.3 api/swarm.py: leave_swarm(force=True) takes 503 (or 406) as "not in a swarm"; its network tests call it in tearDown.
  const expected: [string, string, string][] = [
    ['POST', '/v1.41/swarm/leave?force=True', 'This node is not part of a swarm'],
    ['GET', '/swarm', 'This node is not a swarm manager.'],
    ['GET', '/services', 'This node is not a swarm manager.'],
    ['GET', '/nodes/abc', 'This node is not a swarm manager.'],
    ['POST', '/secrets/create', 'This node is not a swarm manager.'],
    ['POST', '/swarm/init', 'swarm mode is not supported by this engine'],
  ];
  for (const [method, url, message] of expected) {
    const r = await request(socketPath, method, url, method === 'POST' ? '{}' : undefined, method === 'POST' ? json : {});
    t.is(r.status, 503, `${method} ${url}`);
    t.true(String((JSON.parse(r.body.toString()) as { message: string }).message).startsWith(message), `${method} ${url}: ${r.body.toString()}`);
  }
});

test('NotModified: starting a running container is 304 with no body, and the CLI takes it as done (as the docker CLI does)', async (t) => {
  const { socketPath } = await serveTestEngineFor(t, { busybox: true, quiet: true });
  const client = new EngineClient(socketPath);
  const { Id } = await client.json<{ Id: string }>('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sleep', '30'] } });
  await client.text('POST', `/containers/${Id}/start`);
  const again = await request(socketPath, 'POST', `/containers/${Id}/start`);
  t.is(again.status, STATUS_OF_KIND.NotModified);
  t.is(again.body.length, 0);
  await t.notThrowsAsync(client.text('POST', `/containers/${Id}/start`));
  await client.text('POST', `/containers/${Id}/kill`);
});

test('Internal: a failure inside the core is 500 with a generic message, and the CLI reads Internal', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-api-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  // The real engine with one failing method: an unexpected error inside the core (as in server.test.ts).
  const engine = Object.assign(Object.create(te.engine) as typeof te.engine, { info: async () => { throw new TypeError('secret detail'); } });
  const server = await serveEngineApi(engine, { socketPath: path.join(dir, 'engine.sock'), version: 'x', logger: { error: () => {} } });
  t.teardown(() => server.close());
  const { status, cliKind } = await roundTrip(path.join(dir, 'engine.sock'), { kind: 'Internal', method: 'GET', path: '/info' });
  t.is(status, 500);
  t.is(cliKind, 'Internal');
});

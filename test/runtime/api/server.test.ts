/**
 * The Engine API's protocol, driven by dockerode and raw HTTP against a real
 * engine in a temporary root: routing, versions, errors, hijacked attach and
 * exec, multiplexed logs, wait-before-start, events, socket lifecycle.
 */
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serveEngineApi } from '../../../runtime/api/server.js';
import { startTestEngine } from '../../helpers/engine.js';
import { demux, request } from './client.js';
import { serveTestEngineFor } from '../../helpers/engine-api.js';

async function start(t: { teardown(fn: () => Promise<void>): void }) {
  const { socketPath, engine, server, client } = await serveTestEngineFor(t, { quiet: true });
  return { socketPath, engine, server, docker: client };
}

test('ping advertises the API version; /v1.NN prefixes and unprefixed paths both work', async (t) => {
  const { socketPath } = await start(t);
  const ping = await request(socketPath, 'GET', '/_ping');
  t.is(ping.status, 200);
  t.is(ping.body.toString(), 'OK');
  t.is(ping.headers['api-version'], '1.44');
  t.is(ping.headers['docker-experimental'], 'false');
  t.is(ping.headers['ostype'], 'linux');
  const head = await request(socketPath, 'HEAD', '/_ping');
  t.is(head.status, 200);
  t.is(head.headers['api-version'], '1.44');
  const v = await request(socketPath, 'GET', '/v1.44/version');
  t.like(JSON.parse(v.body.toString()), { ApiVersion: '1.44', MinAPIVersion: '1.24', Version: '0.1.0-test', Os: 'linux', Arch: 'amd64' });
  t.is((await request(socketPath, 'GET', '/v1.24/version')).status, 200);
});

test('errors are {"message"} with real statuses', async (t) => {
  const { socketPath } = await start(t);
  const missing = await request(socketPath, 'GET', '/v1.44/nope');
  t.is(missing.status, 404);
  t.deepEqual(JSON.parse(missing.body.toString()), { message: 'page not found' });
  const tooNew = await request(socketPath, 'GET', '/v1.99/version');
  t.is(tooNew.status, 400);
  t.regex(JSON.parse(tooNew.body.toString()).message, /too new/);
  const noSuch = await request(socketPath, 'GET', '/containers/ghost/json');
  t.is(noSuch.status, 404);
  t.deepEqual(JSON.parse(noSuch.body.toString()), { message: 'No such container: ghost' });
  const badJson = await request(socketPath, 'POST', '/containers/create', '{nope', { 'Content-Type': 'application/json' });
  t.is(badJson.status, 400);
});

test('internal errors are logged and answered with a generic message', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-api-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'engine.sock');
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  // The real engine with one failing method: an unexpected error inside the core.
  const engine = Object.assign(Object.create(te.engine) as typeof te.engine, { info: async () => { throw new TypeError('secret detail'); } });
  const logged: object[] = [];
  const server = await serveEngineApi(engine, { socketPath, version: 'x', logger: { error: (obj) => logged.push(obj) } });
  t.teardown(() => server.close());
  const r = await request(socketPath, 'GET', '/info');
  t.is(r.status, 500);
  t.notRegex(r.body.toString(), /secret/);
  t.is(logged.length, 1);
});

test('create without the image is a 404 worded like dockerd; pulling makes it work', async (t) => {
  const { docker } = await start(t);
  const err = await t.throwsAsync(docker.createContainer({ Image: 'busybox', Cmd: ['true'] })) as Error & { statusCode: number };
  t.is(err.statusCode, 404);
  t.regex(err.message, /No such image: busybox:latest/);
  const stream = await docker.pull('busybox:latest');
  const events = await new Promise<{ status: string }[]>((resolve, reject) => docker.modem.followProgress(stream, (e, out) => (e ? reject(e) : resolve(out))));
  t.is(events.at(-1)!.status, 'Status: Downloaded newer image for busybox:latest');
  t.true(events.length >= 2, 'progress lines came before the final status');
  const again = await new Promise<{ status: string }[]>((resolve, reject) => docker.pull('busybox', (e: Error | null, s: NodeJS.ReadableStream) =>
    e ? reject(e) : docker.modem.followProgress(s, (e2, out) => (e2 ? reject(e2) : resolve(out)))));
  t.is(again.at(-1)!.status, 'Status: Image is up to date for busybox:latest');
  // not a base image and no registry host: Docker Hub, which this engine does not reach (Unavailable, named)
  const unknown = await t.throwsAsync(docker.pull('nosuchimage:1')) as Error & { statusCode: number };
  t.is(unknown.statusCode, 503);
  t.regex(unknown.message, /registry docker\.io/);
});

test('docker run sequence: attach and wait before start, framed output, exit code', async (t) => {
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 3'], HostConfig: { AutoRemove: true } });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const waited = c.wait({ condition: 'removed' });
  await c.start();
  const out = await demux(stream);
  t.is(out.stdout, 'hi\n');
  t.is(out.stderr, 'oops\n');
  t.deepEqual(await waited, { StatusCode: 3, Error: null });
  const gone = await t.throwsAsync(c.inspect()) as Error & { statusCode: number };
  t.is(gone.statusCode, 404, '--rm removed it');
});

test('stdin over a hijacked attach; half-close ends stdin, output still arrives', async (t) => {
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'cat; echo done'], OpenStdin: true, StdinOnce: true, AttachStdin: true });
  const stream = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as unknown as NodeJS.ReadWriteStream & { end(data?: string): void };
  const waited = c.wait({ condition: 'next-exit' });
  await c.start();
  const out = demux(stream);
  stream.end('from stdin\n');
  t.is((await out).stdout, 'from stdin\ndone\n');
  t.is((await waited).StatusCode, 0);
});

test('the plain (non-upgrade) attach form streams raw output until close', async (t) => {
  const { socketPath, docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'sleep 0.2; echo plain'] });
  const res = request(socketPath, 'POST', `/containers/${c.id}/attach?stream=1&stdout=1`);
  await new Promise((r) => setTimeout(r, 100));
  await c.start();
  const r = await res;
  t.is(r.status, 200);
  t.is(r.headers['content-type'], 'application/vnd.docker.raw-stream');
  t.deepEqual([...r.body.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 6]);
  t.is(r.body.subarray(8).toString(), 'plain\n');
});

test('logs: multiplexed, follow ends with the container, timestamps, tail', async (t) => {
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo one; echo two >&2; sleep 0.3; echo three'] });
  await c.start();
  const follow = await c.logs({ follow: true, stdout: true, stderr: true });
  const all = await demux(follow);
  t.is(all.stdout, 'one\nthree\n');
  t.is(all.stderr, 'two\n');
  const ts = await c.logs({ stdout: true, timestamps: true, tail: 1, follow: false });
  const text = (await demux(ts as unknown as Buffer)).stdout;
  t.regex(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
  const bad = await t.throwsAsync(c.logs({ follow: false })) as Error & { statusCode: number };
  t.is(bad.statusCode, 400);
});

test('exec: hijacked start, exit code from inspect, detached start', async (t) => {
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '30'] });
  await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'read x; echo got $x; exit 7'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true }) as unknown as NodeJS.ReadWriteStream & { end(data?: string): void };
  const out = demux(stream);
  stream.end('hello\n');
  t.is((await out).stdout, 'got hello\n');
  await new Promise((r) => setTimeout(r, 50));
  t.like(await exec.inspect(), { ExitCode: 7, Running: false, ProcessConfig: { entrypoint: 'sh' } });
  const detached = await c.exec({ Cmd: ['true'] });
  await detached.start({ Detach: true });
  const noCmd = await t.throwsAsync(c.exec({ Cmd: [] })) as Error & { statusCode: number };
  t.is(noCmd.statusCode, 400);
});

test('exec created with Tty runs in a terminal whatever the start says; the start\'s Tty only picks the framing (docker-py starts with Tty false)', async (t) => {
  // moby postContainerExecStart: the terminal comes from the exec's create config, the start body's Tty selects raw or multiplexed output.
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '30'] });
  await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'sleep 0.3; [ -t 1 ] && echo is-a-tty'], AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: false }) as unknown as NodeJS.ReadableStream;
  t.is((await demux(stream)).stdout, 'is-a-tty\r\n', 'multiplexed frames, and the terminal turned the newline into CRLF');
});

test('an upgraded exec start whose body arrives late still gets its body, then stdin (sent after the upgrade)', async (t) => {
  const { docker, engine, socketPath } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '30'] });
  await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'read x; echo "got:$x"'], AttachStdin: true, AttachStdout: true });
  const body = '{"Detach":false,"Tty":false}';
  const sock = net.connect(socketPath);
  await new Promise((r) => sock.once('connect', r));
  sock.write(`POST /v1.44/exec/${exec.id}/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  await new Promise((r) => setTimeout(r, 50));
  sock.write(body.slice(0, 10));
  await new Promise((r) => setTimeout(r, 50));
  sock.write(body.slice(10));
  let text = '';
  sock.on('data', (d: Buffer) => { text += d.toString(); });
  // Like the docker CLI and dockerode: stdin flows once the connection is upgraded.
  for (let i = 0; i < 100 && !text.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
  sock.write('typed\n');
  sock.end();
  const reply = await new Promise<string>((resolve) => sock.on('close', () => resolve(text)));
  t.regex(reply, /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.multiplexed-stream\r\n/);
  t.true(reply.endsWith('\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x0agot:typed\n'), 'the late body was read, then stdin reached the process; output came framed');
});

test('lifecycle statuses: 204, 304 for no-ops, 409 for conflicts; ps and inspect', async (t) => {
  const { docker, engine, socketPath } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ name: 'w', Image: 'busybox', Cmd: ['sleep', '30'], Labels: { app: 'x' } });
  t.is((await request(socketPath, 'POST', '/v1.44/containers/w/start')).status, 204);
  t.is((await request(socketPath, 'POST', '/v1.44/containers/w/start')).status, 304);
  t.is((await request(socketPath, 'DELETE', '/v1.44/containers/w')).status, 409);
  const ps = await docker.listContainers({ filters: { label: ['app=x'] } });
  t.is(ps.length, 1);
  t.deepEqual(ps[0]!.Names, ['/w']);
  t.regex(ps[0]!.Status, /^Up /);
  const info = await c.inspect();
  t.true(info.State.Running);
  t.is(info.Name, '/w');
  t.is((await request(socketPath, 'POST', '/containers/w/rename?name=w2')).status, 204);
  t.is((await request(socketPath, 'POST', '/containers/w2/stop?t=1')).status, 204);
  t.is((await request(socketPath, 'POST', '/containers/w2/stop')).status, 304);
  t.is((await docker.listContainers()).length, 0);
  t.is((await docker.listContainers({ all: true }))[0]!.State, 'exited');
  // sleep as PID 1 ignores SIGTERM, so stop ends it with SIGKILL after its timeout.
  t.deepEqual(await c.wait(), { StatusCode: 137, Error: null });
  t.is((await request(socketPath, 'DELETE', '/containers/w2')).status, 204);
});

test('wait answers headers at once and the body at exit', async (t) => {
  const { docker, engine, socketPath } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'exit 5'] });
  const headers = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.request({ socketPath, method: 'POST', path: `/v1.44/containers/${c.id}/wait?condition=next-exit` }, resolve).on('error', reject).end();
  });
  t.is(headers.statusCode, 200);
  const chunks: Buffer[] = [];
  headers.on('data', (d: Buffer) => chunks.push(d));
  await c.start();
  await new Promise((r) => headers.once('end', r));
  t.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), { StatusCode: 5, Error: null });
  const bad = await request(socketPath, 'POST', `/containers/${c.id}/wait?condition=sometime`);
  t.is(bad.status, 400);
});

test('events: since replays, until ends, filters apply', async (t) => {
  const { docker, engine, socketPath } = await start(t);
  const before = Math.floor(Date.now() / 1000) - 1;
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['true'] });
  await c.start();
  await c.wait();
  const until = Math.floor(Date.now() / 1000) + 1;
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start', 'die'] }));
  const r = await request(socketPath, 'GET', `/events?since=${before}&until=${until}&filters=${filters}`);
  const actions = r.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string }; status: string });
  t.deepEqual(actions.map((a) => a.Action), ['start', 'die']);
  t.is(actions[0]!.Actor.ID, c.id);
  t.is(actions[0]!.status, 'start');
});

test('stats, top, volumes', async (t) => {
  const { docker, engine } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '30'] });
  await c.start();
  const s = await c.stats({ stream: false, 'one-shot': true } as { stream: false }) as unknown as Record<string, { cpu_usage?: { total_usage: number }; online_cpus?: number; usage?: number; limit?: number }>;
  t.true(s.cpu_stats!.cpu_usage!.total_usage > 0);
  t.is(s.cpu_stats!.online_cpus, os.cpus().length);
  t.true(s.memory_stats!.usage! > 0);
  t.true(s.memory_stats!.limit! >= s.memory_stats!.usage!);
  const top = await c.top();
  t.true(top.Titles.includes('PID') && top.Titles.includes('CMD'));
  t.true(top.Processes.some((p: string[]) => p.at(-1) === 'sleep 30'));
  const v = await docker.createVolume({ Name: 'data', Labels: { a: 'b' } });
  t.is(v.name, 'data');
  const list = await docker.listVolumes({ filters: { label: ['a=b'] } });
  t.is(list.Volumes[0]!.Name, 'data');
  await docker.getVolume('data').remove();
  t.is(((await t.throwsAsync(docker.getVolume('data').inspect())) as Error & { statusCode: number }).statusCode, 404);
});

test('close() ends streams and removes the socket; the socket is 0600', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-api-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'engine.sock');
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const server = await serveEngineApi(te.engine, { socketPath, version: 'x' });
  t.is((await stat(socketPath)).mode & 0o777, 0o600);
  const events = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ socketPath, path: '/events' }, resolve).on('error', reject));
  events.on('error', () => {});
  events.resume();
  const ended = new Promise((r) => events.once('close', r));
  await server.close();
  await ended;
  t.is(events.statusCode, 200);
  await t.throwsAsync(stat(socketPath), { code: 'ENOENT' });
  const group = await serveEngineApi(te.engine, { socketPath, version: 'x', socketGroup: 'root' });
  t.is((await stat(socketPath)).mode & 0o777, 0o660);
  await group.close();
});

// Issue 13, part 4: through the Engine API as the docker CLI sends it (dockerode).
test('CpuShares reaches inspect; a Memory above the host\'s is a 400 with the reason', async (t) => {
  const { engine, docker } = await start(t);
  await engine.ensureImage('busybox');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { CpuShares: 512 } });
  t.is((await c.inspect()).HostConfig.CpuShares, 512);
  const err = await t.throwsAsync(() => docker.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { Memory: 1000 * 1024 ** 3 } }));
  t.is((err as { statusCode?: number }).statusCode, 400);
  t.regex(err!.message, /memory limit 1000 GiB is larger than this host's memory/);
});

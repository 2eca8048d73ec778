/**
 * The docker CLI's commands as raw Engine API calls over a unix socket: the
 * same requests, in the same order, that the stock docker CLI makes. `run
 * --rm` is create, attach, wait, start, then read the attached stream until
 * the end; `run -d` is create, start; `rm -f` is one DELETE.
 */
import http from 'node:http';
import { createWriteStream } from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ApiResponse {
  status: number;
  body: Buffer;
}

/** One request; resolves with the whole response body. */
export function request(socketPath: string, method: string, path: string, body?: unknown, agent?: http.Agent): Promise<ApiResponse> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath, method, path, agent,
      headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Fail with the API's message unless the status is one of `ok`. */
export function expect(res: ApiResponse, ok: number[], what: string): ApiResponse {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.body.toString().trim()}`);
  return res;
}

/** POST /containers/{id}/attach as docker does (Upgrade: tcp); resolves with the raw stream. */
function attach(socketPath: string, id: string): Promise<Duplex | Readable> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath, method: 'POST', path: `/containers/${id}/attach?stream=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('upgrade', (_res, socket) => resolve(socket));
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`attach: HTTP ${res.statusCode}`));
      else resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolve when a stream has no more data. */
function drained(stream: Duplex | Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.on('data', () => { /* discard the output */ });
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

/** POST /containers/create as docker sends it (`networkMode` 'default' is what docker sends without --network); resolves with the ID. */
async function create(socketPath: string, body: Record<string, unknown>, networkMode: string, autoRemove: boolean, agent?: http.Agent, hostConfig: Record<string, unknown> = {}): Promise<string> {
  const created = expect(await request(socketPath, 'POST', '/containers/create', {
    ...body, Tty: false, OpenStdin: false, HostConfig: { AutoRemove: autoRemove, NetworkMode: networkMode, ...hostConfig },
  }, agent), [201], 'create');
  return (JSON.parse(created.body.toString()) as { Id: string }).Id;
}

/** `docker run --rm --network <networkMode> <image> <cmd…>` (more HostConfig fields in `hostConfig`); resolves with the exit code. */
export async function runRm(socketPath: string, image: string, cmd: string[], agent?: http.Agent, networkMode = 'none', hostConfig: Record<string, unknown> = {}): Promise<number> {
  const body = { Image: image, Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true };
  const id = await create(socketPath, body, networkMode, true, agent, hostConfig);
  const stream = await attach(socketPath, id);
  const output = drained(stream);
  const waited = request(socketPath, 'POST', `/containers/${id}/wait?condition=removed`, undefined, agent);
  expect(await request(socketPath, 'POST', `/containers/${id}/start`, undefined, agent), [204], 'start');
  const [res] = await Promise.all([waited, output]);
  expect(res, [200], 'wait');
  return (JSON.parse(res.body.toString()) as { StatusCode: number }).StatusCode;
}

/** `docker run -d --network <networkMode> <image> <cmd…>`; resolves with the container ID once it runs. */
export async function runDetached(socketPath: string, image: string, cmd: string[], networkMode: string, agent?: http.Agent): Promise<string> {
  const body = { Image: image, Cmd: cmd, AttachStdin: false, AttachStdout: false, AttachStderr: false };
  const id = await create(socketPath, body, networkMode, false, agent);
  expect(await request(socketPath, 'POST', `/containers/${id}/start`, undefined, agent), [204], 'start');
  return id;
}

/** `docker rm -f <id>`; a container already gone is fine. */
export async function removeForce(socketPath: string, id: string, agent?: http.Agent): Promise<void> {
  expect(await request(socketPath, 'DELETE', `/containers/${id}?force=1`, undefined, agent), [204, 404], `rm -f ${id.slice(0, 12)}`);
}

/** IDs of every container, running or not (`docker ps -aq`). */
export async function listAll(socketPath: string, agent?: http.Agent): Promise<string[]> {
  const res = expect(await request(socketPath, 'GET', '/containers/json?all=1', undefined, agent), [200], 'ps');
  return (JSON.parse(res.body.toString()) as Array<{ Id: string }>).map((c) => c.Id);
}

/** The PID of a running container's process and its address on its first network (inspect's State.Pid, NetworkSettings.IPAddress). */
export async function containerState(socketPath: string, id: string, agent?: http.Agent): Promise<{ pid: number; ip: string }> {
  const res = expect(await request(socketPath, 'GET', `/containers/${id}/json`, undefined, agent), [200], 'inspect');
  const c = JSON.parse(res.body.toString()) as { State: { Pid: number }; NetworkSettings?: { IPAddress?: string } };
  return { pid: c.State.Pid, ip: c.NetworkSettings?.IPAddress ?? '' };
}

/** Make `image` (busybox: from the engine's base images) and save it as a `docker save` tar for the peers. */
export async function exportImage(socketPath: string, image: string, file: string): Promise<void> {
  expect(await request(socketPath, 'POST', `/images/create?fromImage=${image}&tag=latest`), [200], 'image create');
  expect(await request(socketPath, 'GET', `/images/${image}/json`), [200], 'image inspect');
  await new Promise<void>((resolve, reject) => {
    http.get({ socketPath, path: `/images/get?names=${image}:latest` }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`image get: HTTP ${res.statusCode}`));
      pipeline(res, createWriteStream(file)).then(resolve, reject);
    }).on('error', reject);
  });
}

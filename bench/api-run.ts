/**
 * `docker run --rm` as raw Engine API calls over a unix socket: the same
 * requests, in the same order, that the stock docker CLI makes (create,
 * attach, wait, start, then read the attached stream until the end).
 */
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';

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

/** `docker run --rm --network none <image> <cmd…>`; resolves with the exit code. */
export async function runRm(socketPath: string, image: string, cmd: string[], agent?: http.Agent): Promise<number> {
  const created = expect(await request(socketPath, 'POST', '/containers/create', {
    Image: image, Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
    HostConfig: { AutoRemove: true, NetworkMode: 'none' },
  }, agent), [201], 'create');
  const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
  const stream = await attach(socketPath, id);
  const output = drained(stream);
  const waited = request(socketPath, 'POST', `/containers/${id}/wait?condition=removed`, undefined, agent);
  expect(await request(socketPath, 'POST', `/containers/${id}/start`, undefined, agent), [204], 'start');
  const [res] = await Promise.all([waited, output]);
  expect(res, [200], 'wait');
  return (JSON.parse(res.body.toString()) as { StatusCode: number }).StatusCode;
}

/**
 * Apps for buildpack tests: write a source tree into a temporary directory,
 * run a built image on $PORT and fetch from it over the container's address.
 */
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../../runtime/types.js';

/** Write `files` (path → content; a leading `+x ` marks an executable) into a new temp dir. */
export async function writeApp(files: Record<string, string>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-app-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const exec = content.startsWith('+x ');
    await fsp.writeFile(file, exec ? content.slice(3) : content, { mode: exec ? 0o755 : 0o644 });
  }
  return dir;
}

export interface Served {
  id: string;
  url: string;
}

/** Run `image` (its default command) with PORT set; resolves once it answers HTTP. */
export async function serveImage(engine: Engine, image: string, opts: { port?: number; env?: string[]; cmd?: string[] } = {}): Promise<Served> {
  const port = opts.port ?? 8080;
  const c = await engine.createContainer({ image, env: [`PORT=${port}`, ...(opts.env ?? [])], cmd: opts.cmd });
  await engine.startContainer(c.record.id);
  const ip = (await engine.getContainer(c.record.id)).network!.endpoints[0].ipAddress;
  const url = `http://${ip}:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await httpGet(url).then(() => true, () => false)) return { id: c.record.id, url };
    const state = (await engine.getContainer(c.record.id)).state;
    if (state.status !== 'running') throw new Error(`${image} exited with ${state.exitCode} before answering`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${image} did not answer on ${url}`);
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** GET with optional headers; the whole body. */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * A stand-in platform API on 127.0.0.1 for the CLI's own tests (as
 * fake-api.ts is for the Engine API): it records every request and answers
 * from a table of replies, including a WebSocket for `run`. The real daemon
 * is exercised by platform-e2e.test.ts and the platform's end-to-end tests.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CliConfig, CliIO } from '../../cli/context.js';
import { runCli } from '../../cli/program.js';

/** The CLI's entry point from sources: what the credential helper runs. */
export const CLI_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.ts');

export interface Seen { method: string; path: string; query: URLSearchParams; body: unknown; auth: string | undefined }
export type Reply = { status?: number; json?: unknown; text?: string } | ((req: Seen, res: http.ServerResponse) => void);

export class StandIn {
  readonly requests: Seen[] = [];
  url = '';
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private routes: Record<string, Reply | Reply[]>, private sockets: Record<string, (ws: WebSocket, req: Seen) => void> = {}) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const seen = this.seen(req, undefined);
      const handler = this.sockets[`${seen.method} ${seen.path}`];
      if (!handler) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 61\r\n\r\n{"error":{"kind":"NotFound","message":"app shop not found"}}\n');
      this.wss.handleUpgrade(req, socket, head, (ws) => handler(ws, seen));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Requests as "METHOD /path" strings, in order. */
  get calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private seen(req: http.IncomingMessage, body: unknown): Seen {
    const url = new URL(req.url!, 'http://x');
    const seen = { method: req.method!, path: url.pathname, query: url.searchParams, body, auth: req.headers.authorization };
    this.requests.push(seen);
    return seen;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const seen = this.seen(req, text ? JSON.parse(text) : undefined);
    const entry = this.routes[`${seen.method} ${seen.path}`];
    const reply = Array.isArray(entry) ? entry.shift() : entry;
    if (!reply) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { kind: 'NotFound', message: `no route ${seen.path}` } }));
    if (typeof reply === 'function') return reply(seen, res);
    if (reply.text !== undefined) return void res.writeHead(reply.status ?? 200).end(reply.text);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(reply.json === undefined ? '' : JSON.stringify(reply.json));
  }
}

/** NDJSON lines written one by one, `gapMs` apart, then the end. */
export function ndjson(items: unknown[], gapMs = 10): Reply {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    let i = 0;
    const next = () => (i < items.length ? (res.write(`${JSON.stringify(items[i++])}\n`), setTimeout(next, gapMs)) : res.end());
    next();
  };
}

export interface CliRun { code: number; stdout: string; stderr: string }

/** A temporary config dir (platform.json lives there) and cwd; removed by `cleanup`. */
export async function tempDirs(): Promise<{ configDir: string; cwd: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tspaas-cli-platform-'));
  return { configDir: path.join(root, 'config'), cwd: root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Run the CLI in-process with captured stdio, its platform logins in `configDir`, in `cwd`. */
export async function tspaas(argv: string[], opts: { configDir: string; cwd: string; stdin?: string }): Promise<CliRun> {
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(opts.stdin ?? '');
  const config: CliConfig = {
    version: '0.0.0-test', socketPath: '/nonexistent/engine.sock', root: '/nonexistent', runRoot: '/nonexistent',
    daemon: { command: process.execPath, args: [] }, cwd: opts.cwd, env: {},
    authFile: path.join(opts.configDir, 'auth.json'), platformFile: path.join(opts.configDir, 'platform.json'),
    credentialHelper: { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), CLI_MAIN.replace(/main\.ts$/, 'git-credential/main.ts')] },
  };
  const code = await runCli(argv, config, { stdin, stdout, stderr } as unknown as CliIO);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

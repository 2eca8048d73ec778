/**
 * A stand-in Engine API on a temporary unix socket for the CLI's own tests:
 * it records every request and answers from a table of canned replies. The
 * real engine is exercised by the end-to-end tests (e2e.test.ts).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import type { CliConfig, CliIO } from '../../cli/context.js';
import type { Wanted } from '../../cli/lazy-commands.js';
import { runCli } from '../../cli/program.js';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** A reply: status + JSON, or a function of the request writing to the response itself. */
export type Reply = { status?: number; json?: unknown; text?: string } | ((req: Recorded, res: http.ServerResponse) => void);
/** Upgrade handler for attach/exec start: gets the raw socket after the 101. */
export type UpgradeReply = (req: Recorded, socket: Socket) => void;

export class FakeApi {
  readonly requests: Recorded[] = [];
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: http.Server;

  constructor(private routes: Record<string, Reply | Reply[]>, private upgrades: Record<string, UpgradeReply> = {}) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tspaas-cli-'));
    this.socketPath = path.join(this.dir, 'engine.sock');
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => void this.upgrade(req, socket));
  }

  listen(): Promise<this> {
    return new Promise((resolve) => this.server.listen(this.socketPath, () => resolve(this)));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Requests as "METHOD /path" strings, in order. */
  get calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private async record(req: http.IncomingMessage): Promise<Recorded> {
    const url = new URL(req.url!, 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const rec = { method: req.method!, path: url.pathname, query: url.searchParams, body: text ? tryJson(text) : undefined };
    this.requests.push(rec);
    return rec;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rec = await this.record(req);
    const entry = this.routes[`${rec.method} ${rec.path}`];
    const reply = Array.isArray(entry) ? entry.shift() : entry;
    if (!reply) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: `page not found: ${rec.path}` }));
    if (typeof reply === 'function') return reply(rec, res);
    if (reply.text !== undefined) return void res.writeHead(reply.status ?? 200).end(reply.text);
    res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' }).end(reply.json === undefined ? '' : JSON.stringify(reply.json));
  }

  private async upgrade(req: http.IncomingMessage, socket: Socket): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const rec = { method: req.method!, path: url.pathname, query: url.searchParams, body: undefined };
    this.requests.push(rec);
    const handler = this.upgrades[`${rec.method} ${rec.path}`];
    if (!handler) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n{"message":"not found"}\n');
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    handler(rec, socket);
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process against a socket, with captured stdio. */
export async function cli(socketPath: string, argv: string[], opts: { stdin?: string; env?: Record<string, string>; wanted?: Wanted } = {}): Promise<CliRun> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(opts.stdin ?? '');
  const config: CliConfig = {
    version: '0.0.0-test', socketPath, root: '/nonexistent/root', runRoot: '/nonexistent/run',
    daemon: { command: process.execPath, args: [] }, cwd: '/home/test', env: opts.env ?? {},
  };
  const io = { stdin, stdout, stderr } as unknown as CliIO;
  const code = await runCli(argv, config, io, opts.wanted);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

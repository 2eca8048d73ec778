/**
 * The Docker-compatible Engine API on a unix socket, so that the stock
 * `docker` CLI, Docker client libraries and `tspaas container …` can drive
 * the engine. Plain Node `http`; routes live in routes/, the translation to
 * and from Docker's JSON in docker/.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { promises as fsp } from 'node:fs';
import type { Engine } from '../types.js';
import type { ApiContext, ApiLogger, SourceBuilder } from './api-call.js';
import { EventLog } from './events.js';
import { createDispatcher, type Dispatch } from './router.js';
import { allRoutes } from './routes/index.js';
import { lookupGroupId, prepareSocketPath, secureSocket } from './socket.js';

export interface EngineApiOptions {
  socketPath: string;
  /** Group (name or gid) whose members may also open the socket. */
  socketGroup?: string;
  /** tspaas's version, reported by /version and /info. */
  version: string;
  logger?: ApiLogger;
  /** Serves `POST /tspaas/buildpacks/build` (the daemon passes tspaas's buildpack runner). */
  sourceBuilder?: SourceBuilder;
}

export interface EngineApiServer {
  /** Stop accepting, close every open connection (streams included) and remove the socket. */
  close(): Promise<void>;
}

const consoleLogger: ApiLogger = { error: (obj, msg) => console.error(msg, obj) };

/** Serve the Engine API for `engine` on `opts.socketPath`. */
export async function serveEngineApi(engine: Engine, opts: EngineApiOptions): Promise<EngineApiServer> {
  const gid = opts.socketGroup === undefined ? undefined : await lookupGroupId(opts.socketGroup);
  await prepareSocketPath(opts.socketPath);
  const ctx: ApiContext = {
    engine, version: opts.version, events: new EventLog(engine.events), log: opts.logger ?? consoleLogger, hijacked: new Set(), sourceBuilder: opts.sourceBuilder,
  };
  const server = createHttpServer(createDispatcher(ctx, allRoutes));
  try {
    await listen(server, opts.socketPath);
    await secureSocket(opts.socketPath, gid);
  } catch (err) {
    await shutdown(server, ctx, opts.socketPath);
    throw err;
  }
  return { close: () => shutdown(server, ctx, opts.socketPath) };
}

function createHttpServer(dispatch: Dispatch): http.Server {
  // Long uploads (load, import) and endless streams (events, logs -f) must not time out.
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => void dispatch(req, res, null));
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    void dispatch(req, responseOnSocket(req, socket), { socket, head });
  });
  return server;
}

/** A normal response bound to an upgrade request's raw socket, for replies sent without hijacking (errors). */
function responseOnSocket(req: http.IncomingMessage, socket: Socket): http.ServerResponse {
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => socket.end());
  socket.on('error', () => socket.destroy());
  return res;
}

function listen(server: http.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function shutdown(server: http.Server, ctx: ApiContext, socketPath: string): Promise<void> {
  ctx.events.close();
  const ours = server.listening;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const s of ctx.hijacked) s.destroy();
  await closed;
  if (ours) await fsp.rm(socketPath, { force: true });
}

/**
 * A real test engine (engine.ts) behind the Engine API on a socket in a
 * temporary dir: what the end-to-end tests drive with dockerode, the docker
 * CLI or the tspaas CLI. `close()` (or the test's teardown, with
 * `serveTestEngineFor`) stops the server, removes the engine's containers
 * and roots, and the dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import tarStream from 'tar-stream';
import { serveEngineApi } from '../../runtime/api/server.js';
import type { Engine } from '../../runtime/types.js';
import { startTestEngine, type TestEngine } from './engine.js';

export interface ServedEngine {
  te: TestEngine;
  engine: Engine;
  /** The temporary dir holding the socket (tests may put their own files there). */
  dir: string;
  socketPath: string;
  server: Awaited<ReturnType<typeof serveEngineApi>>;
  /** dockerode on the socket. */
  client: Docker;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Options of the test engine (runtime, storage quota…). */
  engine?: Parameters<typeof startTestEngine>[0];
  /** The version the API reports (default 0.1.0-test). */
  version?: string;
  /** Make the busybox image first (from the host's busybox-static: no pull). */
  busybox?: boolean;
  /** Keep the server's error log quiet (tests that provoke errors on purpose). */
  quiet?: boolean;
}

/** Start a test engine and serve its Engine API on a fresh socket. */
export async function serveTestEngine(opts: ServeOptions = {}): Promise<ServedEngine> {
  const te = await startTestEngine(opts.engine);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-api-'));
  const socketPath = path.join(dir, 'engine.sock');
  const server = await serveEngineApi(te.engine, { socketPath, version: opts.version ?? '0.1.0-test', ...(opts.quiet ? { logger: { error: () => {} } } : {}) });
  if (opts.busybox) await te.engine.ensureImage('busybox');
  return {
    te, engine: te.engine, dir, socketPath, server, client: new Docker({ socketPath }),
    async close() {
      await server.close();
      await te.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `serveTestEngine`, closed at the end of test `t`. */
export async function serveTestEngineFor(t: { teardown(fn: () => Promise<void>): void }, opts: ServeOptions = {}): Promise<ServedEngine> {
  const served = await serveTestEngine(opts);
  t.teardown(() => served.close());
  return served;
}

/** One message of a POST /build reply. */
export type BuildMessage = { stream?: string; error?: string; errorDetail?: { code?: number; message: string }; aux?: { ID: string } };

/** POST /build of a context holding only `dockerfile`, through dockerode; every message of the reply (an error is a message, not a throw). */
export async function buildDockerfile(client: Docker, dockerfile: string, opts: Docker.ImageBuildOptions = {}): Promise<BuildMessage[]> {
  const pack = tarStream.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, dockerfile);
  pack.finalize();
  const stream = await client.buildImage(pack as unknown as NodeJS.ReadableStream, opts);
  const text = await new Promise<string>((resolve, reject) => {
    let s = '';
    stream.on('data', (d: Buffer) => { s += d.toString(); }).on('end', () => resolve(s)).on('error', reject);
  });
  return text.split(/\r?\n/).filter(Boolean).map((l) => JSON.parse(l) as BuildMessage);
}

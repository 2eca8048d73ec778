/**
 * The admin endpoint, served by the primary on 127.0.0.1 only:
 *   GET /stats    per-worker state (generation of the route table it serves,
 *                 when it applied it, requests in flight) and per-app request
 *                 counts and latency histograms, summed over workers (AdminStats)
 *   GET /healthz  200 while the primary runs
 * Workers answer over the cluster IPC channel; one that does not answer
 * within a second is left out of the report.
 */
import http from 'node:http';
import type { AdminStats, WorkerStatus } from './types.js';
import { addStats } from './observe/stats.js';

/** What the admin endpoint needs from the primary. */
export interface AdminSource {
  generation(): number;
  loadedAt(): number;
  databaseConnected(): boolean;
  /** Ask every worker for its status. */
  workerStatuses(): Promise<WorkerStatus[]>;
}

/** Serve the admin endpoint on 127.0.0.1:`port`. */
export async function serveAdmin(port: number, source: AdminSource): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void answer(req.url ?? '/', source).then(([status, body]) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, resolve);
  });
  return server;
}

async function answer(url: string, source: AdminSource): Promise<[number, unknown]> {
  if (url === '/healthz') return [200, { ok: true }];
  if (url !== '/stats') return [404, { error: 'not found: use /stats or /healthz' }];
  const workers = (await source.workerStatuses()).sort((a, b) => a.id - b.id);
  const apps = {};
  for (const w of workers) addStats(apps, w.apps);
  const stats: AdminStats = {
    generation: source.generation(), loadedAt: source.loadedAt(),
    database: source.databaseConnected() ? 'connected' : 'disconnected', workers, apps,
  };
  return [200, stats];
}

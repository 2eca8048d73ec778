/**
 * The router's primary process: the control plane. It makes the default
 * certificate, forks the workers (and replaces any that die), holds the only
 * PostgreSQL connection (LISTEN + reload), sends every new snapshot to every
 * worker, tells the database once every worker serves it (router_instances),
 * and serves the admin endpoint. It listens on the public ports and hands
 * each new connection to the next worker in turn (edge/distribute.ts); it
 * reads no client traffic itself.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import os from 'node:os';
import type { Logger } from 'pino';
import { serveAdmin } from './admin.js';
import { Distributor } from './edge/distribute.js';
import { watchRouteTable } from './table/source.js';
import { ensureDefaultCertificate } from './tls/certificates.js';
import type { PrimaryMessage, RouteSnapshot, RouterConfig, WorkerMessage, WorkerStatus } from './types.js';

const RESPAWN_DELAY_MS = 500;
/**
 * Node flags of the workers: garbage collection on the worker's own thread.
 * A worker's heap is small (bodies are off-heap buffers), so handing each
 * scavenge to helper threads costs more in thread hand-offs than it saves,
 * on a host where every core is busy proxying (A/B under wrk, interleaved:
 * −4 to −5 % CPU per request).
 */
const WORKER_NODE_FLAGS = ['--single-threaded-gc'];
const STATUS_TIMEOUT_MS = 1_000;

/** Run the primary until SIGTERM/SIGINT. */
export async function runPrimary(config: Readonly<RouterConfig>, log: Logger): Promise<void> {
  if (config.httpsPort !== 0) await ensureDefaultCertificate(config.stateDir);
  let snapshot: RouteSnapshot | null = null;
  let loadedAt = 0;
  let stopping = false;
  const ready = new Set<Worker>();
  const statuses = new StatusRequests();
  const applied = new AppliedGenerations();
  const send = (w: Worker, m: PrimaryMessage) => { if (w.isConnected()) w.send(m); };
  // Bound before any worker starts: a port that cannot be bound ends the router here, with the reason.
  const distributor = new Distributor(log);
  await distributor.listen('http', config.httpPort, config.bindAddress);
  if (config.httpsPort !== 0) await distributor.listen('https', config.httpsPort, config.bindAddress);

  cluster.setupPrimary({ execArgv: [...process.execArgv, ...WORKER_NODE_FLAGS] });
  const fork = () => {
    const w = cluster.fork();
    // A message to a worker that is exiting (its channel closing) fails with EPIPE: its 'exit' is handled below.
    w.on('error', (err) => log.debug({ worker: w.id, err: err.message }, 'worker channel closed'));
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') {
        ready.add(w);
        distributor.add(w);
        if (snapshot !== null) send(w, { type: 'snapshot', snapshot });
        if (ready.size === config.workers) log.info({ http: config.httpPort, https: config.httpsPort, admin: config.adminPort, workers: config.workers }, 'router ready');
      } else if (m.type === 'applied') {
        const served = applied.worker(w, m.generation, [...ready]);
        if (served !== null) source.acknowledge(served);
      } else if (m.type === 'status') statuses.answer(m.requestId, m.status);
    });
  };
  cluster.on('exit', (w, code, signal) => {
    ready.delete(w);
    distributor.remove(w);
    applied.forget(w);
    if (stopping) return;
    log.error({ worker: w.id, code, signal }, 'worker died; starting another');
    setTimeout(fork, RESPAWN_DELAY_MS);
  });
  for (let i = 0; i < config.workers; i++) fork();

  const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const source = watchRouteTable(config.databaseUrl, instanceId, log, (s, dbSnapshot) => {
    snapshot = s;
    applied.loaded(s.generation, dbSnapshot);
    loadedAt = Date.now();
    for (const w of ready) send(w, { type: 'snapshot', snapshot: s });
    log.debug({ generation: s.generation, routes: s.routes.length, backends: s.backends.length }, 'routes loaded');
  });
  let admin: http.Server | null = null;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'router stopping; requests in flight finish first');
    admin?.close();
    distributor.close();
    await source.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const exited = Promise.all(workers.map((w) => new Promise((r) => (w.isDead() ? r(null) : w.once('exit', r)))));
    for (const w of workers) send(w, { type: 'shutdown' });
    const hard = setTimeout(() => { for (const w of workers) w.kill('SIGKILL'); }, config.proxy.drainGraceMs + 5_000);
    await exited;
    clearTimeout(hard);
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
  admin = config.adminPort === 0 ? null : await serveAdmin(config.adminPort, {
    generation: () => snapshot?.generation ?? 0,
    loadedAt: () => loadedAt,
    databaseConnected: () => source.connected,
    workerStatuses: () => statuses.ask([...ready], (w, requestId) => send(w, { type: 'status', requestId })),
  });
}

/**
 * Which generation each worker serves, and the database snapshot of each
 * load not yet served by all: `worker` returns the snapshot to acknowledge
 * when the generation every ready worker serves moves up.
 */
class AppliedGenerations {
  private readonly byWorker = new Map<Worker, number>();
  private readonly snapshots = new Map<number, string>();
  private acked = 0;

  loaded(generation: number, dbSnapshot: string): void {
    this.snapshots.set(generation, dbSnapshot);
  }

  worker(w: Worker, generation: number, ready: Worker[]): string | null {
    this.byWorker.set(w, generation);
    const served = Math.min(...ready.map((r) => this.byWorker.get(r) ?? 0));
    if (!ready.includes(w) || served <= this.acked) return null;
    const dbSnapshot = this.snapshots.get(served) ?? null;
    for (const g of this.snapshots.keys()) if (g <= served) this.snapshots.delete(g);
    this.acked = served;
    return dbSnapshot;
  }

  forget(w: Worker): void {
    this.byWorker.delete(w);
  }
}

/** Status requests to workers in flight, answered by IPC or given up after a second. */
class StatusRequests {
  private next = 1;
  private readonly pending = new Map<number, { got: WorkerStatus[]; want: number; done: (s: WorkerStatus[]) => void }>();

  ask(workers: Worker[], sendTo: (w: Worker, requestId: number) => void): Promise<WorkerStatus[]> {
    const requestId = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), STATUS_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        const p = this.pending.get(requestId);
        this.pending.delete(requestId);
        resolve(p?.got ?? []);
      };
      this.pending.set(requestId, { got: [], want: workers.length, done: finish });
      if (workers.length === 0) return finish();
      for (const w of workers) sendTo(w, requestId);
    });
  }

  answer(requestId: number, status: WorkerStatus): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    p.got.push(status);
    if (p.got.length === p.want) p.done(p.got);
  }
}

/**
 * Embedded services: the PostgreSQL cluster and redis-server tspaasd runs
 * itself when no DATABASE_URL / REDIS_URL is given.
 *
 * Lifecycle
 * - `start…` creates the service's data under `<dataDir>/<name>` the first
 *   time, then starts it, or *adopts* it when it already runs (a tspaasd that
 *   was `kill -9`ed leaves its services running: they are started detached,
 *   in their own session, so nothing that hits tspaasd reaches them).
 * - Both listen only on a unix socket in a directory of their own (no TCP).
 * - `stop()` shuts the service down cleanly (PostgreSQL: fast shutdown;
 *   Redis: SHUTDOWN, which fsyncs the append-only file) and waits for it to
 *   exit. tspaasd calls it last on a SIGTERM shutdown.
 */

/** A running embedded service. */
export interface EmbeddedService {
  /** "postgres" or "redis". */
  name: string;
  /** How clients connect: `postgres://postgres@/tspaas?host=<socket dir>`, or `unix://<redis socket>` (platform/jobs/redis.ts). */
  url: string;
  /** Pid of the server process (the postmaster; redis-server). */
  pid: number;
  /** True when it was already running and this start adopted it. */
  adopted: boolean;
  /** Shut it down cleanly and wait until it exited. */
  stop(): Promise<void>;
}

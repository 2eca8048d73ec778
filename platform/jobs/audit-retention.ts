/**
 * The audit log's retention (issue 17, part 4): tspaasd deletes rows older
 * than `--audit-retention` days at start and then every `intervalMs` (an
 * hour). A timer, not a bull queue: the deletion is one idempotent
 * statement, so a run missed while tspaasd was down is made up by the next.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import { pruneAudit } from '../control/audit.js';

export interface AuditRetention {
  /** Stop the timer and wait for a deletion in progress. */
  close(): Promise<void>;
}

/** Start deleting rows older than `days` days now and every `intervalMs`; failures are logged and retried at the next tick. */
export function startAuditRetention(db: Db, days: number, log: Logger, intervalMs = 3_600_000): AuditRetention {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      const deleted = await pruneAudit(db, days);
      if (deleted > 0) log.info({ deleted, days }, 'old audit rows deleted');
    }).catch((err: unknown) => log.error({ err }, 'deleting old audit rows failed; trying again at the next interval'));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Sizes asked for through the API (scale, run): resolved against the plans
 * and held to what the scheduler's host has. A refusal is an `Invalid` for
 * the caller, and a log line plus an audit row (`size.refused`) for the
 * operator.
 */
import { isKind } from '../../lib/errors.js';
import { boundsOf, checkFits, describePlan, resolveSize } from '../plans.js';
import type { PlanInfo } from '../api/types.js';
import type { App, Caller, PlatformDeps, ProcessSize } from '../types.js';
import { audit } from './audit.js';

type Deps = Pick<PlatformDeps, 'db' | 'config' | 'scheduler' | 'log'>;

/** The size `text` names (a plan or memory); Invalid — recorded for the operator — when unknown or larger than the host allows. */
export async function requestSize(deps: Deps, caller: Caller, app: App, text: string, action: string): Promise<ProcessSize> {
  try {
    const size = resolveSize(deps.config.plans, text);
    checkFits(text, boundsOf(deps.config.plans, size), await deps.scheduler.capacity());
    return size;
  } catch (err) {
    if (isKind(err, 'Invalid')) {
      const reason = (err as Error).message;
      deps.log.warn({ app: app.name, user: caller.user.email, action, size: text, reason }, 'size refused');
      await audit(deps.db, caller, app, 'size.refused', { action, size: text, reason });
    }
    throw err;
  }
}

/** Every plan, with whether it is the default or the builds' one and whether this host can run it. */
export async function listPlans(deps: Deps): Promise<PlanInfo[]> {
  const host = await deps.scheduler.capacity();
  return deps.config.plans.list.map((p) => describePlan(deps.config.plans, p, host));
}

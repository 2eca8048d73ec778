/**
 * Scaling and restarting an app's processes: the operations behind
 * `PATCH /v1/apps/:app/formation`, `POST /v1/apps/:app/processes/restart`
 * and the dashboard's forms, so both edges apply the same rules.
 */
import type { Scale } from '../api/types.js';
import { requireAppRole } from '../auth/roles.js';
import type { App, Caller, FormationEntry, PlatformDeps } from '../types.js';
import { audit } from './audit.js';
import { requestSize } from './plans.js';

type Deps = Pick<PlatformDeps, 'db' | 'config' | 'scheduler' | 'log' | 'deployer'>;

/** Change the formation (sizes resolved against the plans and the host first); the new formation. */
export async function scaleApp(deps: Deps, caller: Caller, app: App, updates: Scale['updates']): Promise<FormationEntry[]> {
  requireAppRole(caller, app, 'member');
  const changes = [];
  for (const u of updates) {
    changes.push({ type: u.type, quantity: u.quantity, size: u.size === undefined ? undefined : await requestSize(deps, caller, app, u.size, 'formation.scale') });
  }
  return deps.deployer.scale(app, changes, caller, (q) => audit(q, caller, app, 'formation.scale', { updates }));
}

/** Restart all processes, one type (`web`) or one process (`web.1`); queued. */
export async function restartApp(deps: Pick<PlatformDeps, 'db' | 'deployer'>, caller: Caller, app: App, target: string | undefined): Promise<void> {
  requireAppRole(caller, app, 'member');
  await deps.deployer.restart(app, target, caller);
  await audit(deps.db, caller, app, 'processes.restart', { target: target ?? null });
}

/**
 * Rollback: the operation behind `POST /v1/apps/:app/rollback` and the
 * dashboard's rollback buttons (release reads are store/releases.ts).
 */
import { requireAppRole } from '../auth/roles.js';
import { getReleaseByVersion } from '../store/releases.js';
import type { App, Caller, PlatformDeps, Release } from '../types.js';
import { audit } from './audit.js';

/** A new release with the image and config of v`version` (NotFound when there is none), deployed. */
export async function rollbackApp(deps: Pick<PlatformDeps, 'db' | 'deployer'>, caller: Caller, app: App, version: number): Promise<Release> {
  requireAppRole(caller, app, 'member');
  const to = await getReleaseByVersion(deps.db, app.id, version);
  return deps.deployer.createRelease(app, { kind: 'rollback', to }, caller,
    (q, made) => audit(q, caller, app, 'releases.rollback', { to: to.version, version: made.version }));
}

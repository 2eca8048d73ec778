/**
 * Issue 14 part P (process types, platform messages): the last lines of a
 * push. A deploy that succeeded prints the app's URL only when a web process
 * runs; a worker-only app is told what runs; an app left with nothing
 * running is told so and how to start something. A failed push says what
 * still runs: the release before it, or nothing when there was none.
 */
import { desiredFormation } from '../deploy/formation.js';
import { initialQuantities } from '../deploy/initial-formation.js';
import { listFormation } from '../store/formation.js';
import { currentRelease } from '../store/releases.js';
import type { App, PlatformDeps, Release } from '../types.js';

/** The lines after `Released vN`: the URL, or what runs instead, or that nothing runs and the command that fixes it. */
export async function deployedLines(deps: PlatformDeps, app: App, release: Release): Promise<string[]> {
  const formation = desiredFormation(release, await listFormation(deps.db, app.id), deps.config.plans);
  if (formation.some((f) => f.type === 'web' && f.quantity > 0)) return [`=====> ${app.name} deployed to ${appUrl(deps, app)}`];
  const running = formation.filter((f) => f.quantity > 0);
  const web = formation.some((f) => f.type === 'web') ? 'web is scaled to 0' : 'there is no web process';
  if (running.length) {
    return [`=====> ${app.name} deployed: ${running.map((f) => `${f.type}=${f.quantity}`).join(', ')} running; ${web}, so the app has no URL`];
  }
  // web when there is one, else the Procfile's first type (the one a first deploy runs).
  const first = formation.some((f) => f.type === 'web') ? 'web' : [...initialQuantities(release).keys()][0] ?? 'web';
  return [
    ` !     ${app.name} v${release.version} is released, but no process is running: every process type is scaled to 0.`,
    ` !     Start one with: tspaas scale ${first}=1`,
  ];
}

/** What serves after a failed push: the current release, or nothing when there is none. */
export async function stillServingLine(deps: PlatformDeps, app: App): Promise<string> {
  const current = await currentRelease(deps.db, app.id);
  if (!current) return ' !     No earlier release was running: the app runs nothing until a push deploys.';
  return ` !     The previous release, v${current.version}, keeps running.`;
}

/** `http://<app>.<baseDomain>[:routerPort]`, as AppInfo.url. */
export function appUrl(deps: PlatformDeps, app: App): string {
  const port = deps.config.routerPort === 80 ? '' : `:${deps.config.routerPort}`;
  return `http://${app.name}.${deps.config.baseDomain}${port}`;
}

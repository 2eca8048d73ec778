/**
 * One engine network per app for its builds, `tspaas-build.<app>`: the
 * Dockerfile builder's RUN steps and ADD downloads and the buildpack build
 * container (with its buildpack downloads) all run on it. The engine keeps
 * networks apart and away from the host's services, so a build reaches the
 * outside world through NAT and DNS only — not another app's builds, not any
 * app's running containers (those are on `tspaas-<app>`), not the host. The
 * `.` cannot occur in an app name, so no app's run network is ever called
 * like another app's build network. Created on first build; removed with
 * the app (`removeBuildNetwork`).
 */
import { isKind, unless } from '../../lib/errors.js';
import type { Engine } from '../../runtime/types.js';
import { LABELS, type App } from '../types.js';

/** Label on build networks (value "build"), telling them from the apps' run networks. */
export const NETWORK_ROLE_LABEL = 'io.tspaas.network-role';

/** The name of an app's build network. */
export function buildNetworkName(app: Pick<App, 'name'>): string {
  return `tspaas-build.${app.name}`;
}

/** Make sure the app's build network exists (a creation racing another ends in `Conflict`, after which it is there); its name. */
export async function ensureBuildNetwork(engine: Engine, app: App): Promise<string> {
  const name = buildNetworkName(app);
  if (await exists(engine, name)) return name;
  try {
    await engine.createNetwork({ name, labels: { [LABELS.app]: app.name, [LABELS.appId]: app.id, [NETWORK_ROLE_LABEL]: 'build' } });
  } catch (err) {
    if (!isKind(err, 'Conflict') || !(await exists(engine, name))) throw err;
  }
  return name;
}

/** Remove the app's build network (when the app is destroyed); a missing one is fine. */
export async function removeBuildNetwork(engine: Engine, app: Pick<App, 'name'>): Promise<void> {
  await unless(['NotFound'], () => engine.removeNetwork(buildNetworkName(app)));
}

async function exists(engine: Engine, name: string): Promise<boolean> {
  return (await unless(['NotFound'], () => engine.inspectNetwork(name))) !== undefined;
}

/**
 * What the pusher sees after the source arrived: the build's lines (from its
 * log, then live), then the deploy's, then the verdict. Heroku's style:
 * `-----> step`, ` !     problem`, `=====> result`.
 */
import { followBuildLog } from '../builds/log.js';
import type { App, Build, PlatformDeps, PlatformEvent } from '../types.js';

/** Queue the build, stream it and its deploy through `send`; resolves 0 when deployed, 1 otherwise. */
export async function streamPushResult(
  deps: PlatformDeps, app: App, build: Build, send: (line: string) => void, signal: AbortSignal,
): Promise<number> {
  send(`-----> Building ${app.name} from ${build.source.slice(0, 7)} (build ${build.id})`);
  // followBuildLog subscribes before it awaits anything, so no line of the job is missed.
  const ended = followBuildLog({ db: deps.db, events: deps.events, dataDir: deps.config.dataDir }, build, send, { follow: true, signal });
  await deps.jobs.enqueueBuild(build.id);
  const end = await ended;
  if (end === null) return 1;
  if (end.status === 'failed' || !end.releaseId) {
    send(` !     Push rejected: the build failed${end.error ? ` (${end.error})` : ''}.`);
    return 1;
  }
  send('-----> Deploying');
  const onEvent = (e: PlatformEvent) => { if (e.kind === 'deploy' && e.releaseId === end.releaseId) send(e.line); };
  const release = await deps.deployer.waitForRelease(end.releaseId, onEvent, signal);
  if (release.status !== 'succeeded') {
    send(` !     Push rejected: the deploy of v${release.version} failed${release.error ? `: ${release.error}` : ''}.`);
    send(' !     The previous release keeps serving.');
    return 1;
  }
  send(`-----> Released v${release.version}`);
  send(`=====> ${app.name} deployed to ${appUrl(deps, app)}`);
  return 0;
}

/** `http://<app>.<baseDomain>[:routerPort]`, as AppInfo.url. */
function appUrl(deps: PlatformDeps, app: App): string {
  const port = deps.config.routerPort === 80 ? '' : `:${deps.config.routerPort}`;
  return `http://${app.name}.${deps.config.baseDomain}${port}`;
}

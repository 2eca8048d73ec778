/**
 * What the pusher sees after the source arrived: the build's lines (from its
 * log, then live), then the deploy's, then the verdict. Heroku's style:
 * `-----> step`, ` !     problem`, `=====> result`.
 */
import { followBuildLog } from '../builds/log.js';
import type { App, Build, PlatformDeps, PlatformEvent } from '../types.js';
import { deployedLines, stillServingLine } from './verdict.js';

/** Queue the build, stream it and its deploy through `send`; resolves 0 when deployed, 1 otherwise. */
export async function streamPushResult(
  deps: PlatformDeps, app: App, build: Build, sendLine: (line: string) => void, signal: AbortSignal,
): Promise<number> {
  // Issue 14 part P: a reason already shown (the build's ` !     reason`, the deploy's `Deploy of vN failed: reason`) is not printed again.
  const sent = new Set<string>();
  const send = (line: string) => { sent.add(line); sendLine(line); };
  send(`-----> Building ${app.name} from ${build.source.slice(0, 7)} (build ${build.id})`);
  // followBuildLog subscribes before it awaits anything, so no line of the job is missed.
  const ended = followBuildLog({ db: deps.db, events: deps.events, dataDir: deps.config.dataDir }, build, send, { follow: true, signal });
  await deps.jobs.enqueueBuild(build.id);
  const end = await ended;
  if (end === null) return 1;
  if (end.status === 'failed' || !end.releaseId) {
    const shown = !end.error || sent.has(` !     ${end.error.split('\n')[0]}`);
    send(` !     Push rejected: the build failed${shown ? '' : ` (${end.error})`}.`);
    send(await stillServingLine(deps, app));
    return 1;
  }
  send('-----> Deploying');
  const onEvent = (e: PlatformEvent) => { if (e.kind === 'deploy' && e.releaseId === end.releaseId) send(e.line); };
  const release = await deps.deployer.waitForRelease(end.releaseId, onEvent, signal);
  if (release.status !== 'succeeded') {
    const shown = !release.error || sent.has(`Deploy of v${release.version} failed: ${release.error.split('\n')[0]}`);
    send(` !     Push rejected: the deploy of v${release.version} failed${shown ? ' (the reason is above)' : `: ${release.error}`}.`);
    send(await stillServingLine(deps, app));
    return 1;
  }
  send(`-----> Released v${release.version}`);
  for (const line of await deployedLines(deps, app, release)) send(line);
  return 0;
}

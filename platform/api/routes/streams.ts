/**
 * Followed streams of work in progress: a release's deploy events (NDJSON)
 * and a build's log (text).
 */
import { followBuildLog } from '../../builds/log.js';
import { getReleaseByVersion } from '../../store/releases.js';
import { getAppBuild } from '../../store/builds.js';
import type { PlatformDeps, PlatformEvent, Release } from '../../types.js';
import { appOf, type ApiDeps, type ApiRouter } from '../context.js';
import { Channel, clientGone, sendLines, sendNdjson } from '../stream.js';
import { parseVersion } from './apps.js';
import { queryFlag } from './processes.js';

/** Register the streaming routes on the /v1 router. */
export function streamRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/apps/:app/releases/:version/events', async (ctx) => {
    const app = await appOf(ctx, deps);
    const release = await getReleaseByVersion(deps.db, app.id, parseVersion(ctx.params.version));
    sendNdjson(ctx, releaseEvents(deps, release, clientGone(ctx)));
  });
  router.get('/apps/:app/builds/:id/log', async (ctx) => {
    const app = await appOf(ctx, deps);
    const follow = queryFlag(ctx.query.follow, 'follow');
    const build = await getAppBuild(deps.db, app.id, ctx.params.id);
    const lines = new Channel<string>();
    const signal = clientGone(ctx);
    void followBuildLog({ db: deps.db, events: deps.events, dataDir: deps.config.dataDir }, build, (line) => lines.push(line),
      { follow, signal })
      .catch((err: unknown) => deps.log.error({ err, build: build.id }, 'following a build log failed'))
      .finally(() => lines.end());
    sendLines(ctx, lines);
  });
}

/**
 * The release's deploy log so far, then its live events until `deploy-done`
 * (none for a release that is never deployed): the deployer replays and
 * follows in one step, so no line is missed or sent twice.
 */
async function* releaseEvents(deps: PlatformDeps, release: Release, signal: AbortSignal): AsyncIterable<PlatformEvent> {
  const live = new Channel<PlatformEvent>();
  deps.deployer.waitForRelease(release.id, (e) => live.push(e), signal)
    .catch((err: unknown) => { if (!signal.aborted) deps.log.error({ err, release: release.id }, 'following a deploy failed'); })
    .finally(() => live.end());
  for await (const e of live) {
    yield e;
    if (e.kind === 'deploy-done') return;
  }
}


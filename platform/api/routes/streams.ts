/**
 * Followed streams of work in progress: a release's deploy events (NDJSON)
 * and a build's log (text).
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isErrno } from '../../../lib/errors.js';
import { followBuildLog } from '../../builds/log.js';
import { getReleaseByVersion } from '../../control/history.js';
import { getAppBuild } from '../../store/builds.js';
import type { PlatformDeps, PlatformEvent, Release } from '../../types.js';
import { appOf, type ApiDeps, type ApiRouter } from '../context.js';
import { Channel, clientGone, sendLines, sendNdjson } from '../stream.js';
import { parseVersion } from './apps.js';
import { queryText } from './processes.js';

/** Register the streaming routes on the /v1 router. */
export function streamRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/apps/:app/releases/:version/events', async (ctx) => {
    const app = await appOf(ctx, deps);
    const release = await getReleaseByVersion(deps.db, app.id, parseVersion(ctx.params.version));
    sendNdjson(ctx, releaseEvents(deps, release, clientGone(ctx)));
  });
  router.get('/apps/:app/builds/:id/log', async (ctx) => {
    const app = await appOf(ctx, deps);
    const build = await getAppBuild(deps.db, app.id, ctx.params.id);
    const lines = new Channel<string>();
    const signal = clientGone(ctx);
    void followBuildLog({ db: deps.db, events: deps.events, dataDir: deps.config.dataDir }, build, (line) => lines.push(line),
      { follow: queryText(ctx.query.follow) === '1', signal })
      .catch((err: unknown) => deps.log.error({ err, build: build.id }, 'following a build log failed'))
      .finally(() => lines.end());
    sendLines(ctx, lines);
  });
}

/** The release's deploy log so far, then its live events until `deploy-done` (none for a release that is never deployed). */
async function* releaseEvents(deps: PlatformDeps, release: Release, signal: AbortSignal): AsyncIterable<PlatformEvent> {
  const base = { appId: release.appId, releaseId: release.id };
  for await (const line of fileLines(path.join(deps.config.dataDir, 'logs', 'releases', `${release.id}.log`))) {
    yield { kind: 'deploy', ...base, line };
  }
  if (release.image === null) return;
  if (release.status === 'succeeded' || release.status === 'failed') {
    yield { kind: 'deploy-done', ...base, status: release.status, ...(release.error ? { error: release.error } : {}) };
    return;
  }
  const live = new Channel<PlatformEvent>();
  deps.deployer.waitForRelease(release.id, (e) => live.push(e), signal).then((ended) => {
    if (ended.status === 'succeeded' || ended.status === 'failed') {
      live.push({ kind: 'deploy-done', ...base, status: ended.status, ...(ended.error ? { error: ended.error } : {}) });
    }
  }, () => undefined).finally(() => live.end());
  for await (const e of live) {
    if (!('releaseId' in e) || e.releaseId !== release.id) continue;
    yield e;
    if (e.kind === 'deploy-done') return;
  }
}

/** Lines of a file that may not exist yet. */
async function* fileLines(file: string): AsyncIterable<string> {
  const input = createReadStream(file, 'utf8');
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  } finally {
    input.destroy();
  }
}

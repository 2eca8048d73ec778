/**
 * Build cache scopes are bounded (issue 13, part 5): each scope's dir is a
 * quota dir of the engine's `storageQuota.buildCacheSize`, on the real
 * quota filesystem the tests run on; pruning the scope removes it with its
 * quota. Real engine, real RUN containers.
 */
import test from 'ava';
import path from 'node:path';
import { exists } from '../../../lib/fs.js';
import { openDirQuota } from '../../../runtime/quota/detect.js';
import { startTestEngine } from '../../helpers/engine.js';
import { build } from './helpers.js';

test('a scope\'s cache dir carries the configured bound and goes with its quota on prune', async (t) => {
  const te = await startTestEngine({ storageQuota: { buildCacheSize: 64 * 1024 * 1024 } });
  t.teardown(() => te.cleanup());
  const built = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN echo one > /one\n' }, { scope: 'app-q' });
  t.is(built.error, null, built.error?.message);
  const scopes = path.join(te.config.root, 'build', 'cache', 'scopes');
  const quota = await openDirQuota(te.config.root, { enabled: true });
  t.is(await quota.limitOf(path.join(scopes, 'app-q')), 64 * 1024 * 1024);
  t.is(await quota.limitOf(path.join(te.config.root, 'build', 'cache')), null, 'the unscoped cache is not a quota dir of its own');
  await te.engine.pruneBuildCache({ scope: 'app-q' });
  t.false(await exists(path.join(scopes, 'app-q')));
});

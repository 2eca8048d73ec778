/**
 * Builds are bounded on disk (issue 13, part 5): each build cache scope's dir
 * is a quota dir of the engine's `storageQuota.buildCacheSize`, removed with
 * its quota on prune; a RUN step writing past `buildLayerSize` fails inside
 * (the disk filler, as a Dockerfile). Real engine, real RUN
 * containers, on the quota filesystem the tests run on.
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

test('a RUN step writing past the build layer bound fails inside and the build fails', async (t) => {
  const te = await startTestEngine({ storageQuota: { buildLayerSize: 16 * 1024 * 1024 } });
  t.teardown(() => te.cleanup());
  const filler = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=64\n' });
  t.not(filler.error, null);
  t.regex(filler.output, /No space left on device|Disk quota exceeded/);
  const small = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN dd if=/dev/zero of=/ok bs=1M count=4\n' });
  t.is(small.error, null, small.error?.message);
});

/**
 * Network in builds is real: a RUN step installs a package from Debian's
 * mirror with apt-get (on the debian:bookworm base image, made with
 * mmdebstrap on first use, so this test takes minutes on a cold host).
 */
import test from 'ava';
import { startTestEngine } from '../../helpers/engine.js';
import { build } from './helpers.js';

test('a RUN step installs a package from Debian\'s mirror', async (t) => {
  t.timeout(15 * 60_000);
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await build(te.engine, {
    Dockerfile: 'FROM debian:bookworm\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && jq --version\n',
  }, { tags: ['with-jq:latest'] });
  t.is(r.error, null, `${r.error?.message}\n${r.output}`);
  t.regex(r.output, /^jq-1\.\d/m);
});

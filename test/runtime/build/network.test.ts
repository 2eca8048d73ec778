/**
 * Network in builds is real: a RUN step installs a package from Debian's
 * mirror with apt-get, on the run stack (Debian bookworm; the tests' shared
 * stack cache, test/helpers/stacks.ts). Making debian:bookworm itself with
 * mmdebstrap is test/runtime/baseimages/debian.test.ts.
 */
import test from 'ava';
import { startTestEngine } from '../../helpers/engine.js';
import { provideStacks, seedStacks } from '../../helpers/stacks.js';
import { build } from './helpers.js';

test('a RUN step installs a package from Debian\'s mirror', async (t) => {
  t.timeout(15 * 60_000);
  const te = await startTestEngine({ seed: seedStacks });
  t.teardown(() => te.cleanup());
  const { run } = await provideStacks(te.engine);
  const r = await build(te.engine, {
    // jq is not in the run stack (the build stack has it): it must come from the mirror.
    Dockerfile: `FROM ${run}\nRUN test ! -e /usr/bin/jq && apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && jq --version\n`,
  }, { tags: ['with-jq:latest'] });
  t.is(r.error, null, `${r.error?.message}\n${r.output}`);
  t.regex(r.output, /^jq-1\.\d/m);
});

/**
 * A Dockerfile whose FROM names an image in a registry: the builder pulls it
 * (as `docker build` does), then builds on top of it.
 */
import test from 'ava';
import { runToEnd } from '../../helpers/engine.js';
import { build } from '../build/helpers.js';
import { startEnv, type Env } from './fixtures.js';

let env: Env;
test.before(async () => {
  env = await startEnv();
  await env.engine.ensureImage('busybox');
});
test.after.always(() => env?.stop());

test('FROM <registry>/<repo> pulls the base image and builds on it', async (t) => {
  const base = `${env.reg.host}/base/busybox:1`;
  await env.engine.images.tag('busybox', base);
  await env.engine.pushImage(base);
  await env.engine.removeImage(base);
  await t.throwsAsync(env.engine.images.get(base));
  const r = await build(env.engine, { Dockerfile: `FROM ${base}\nRUN echo built-on-pulled > /marker\nCMD ["cat", "/marker"]\n` }, { tags: ['from-registry:1'] });
  t.truthy(r.image, r.output);
  t.truthy(await env.engine.images.get(base), 'the base was pulled and kept');
  const out = await runToEnd(env.engine, { image: 'from-registry:1' });
  t.is(out.stdout, 'built-on-pulled\n');
});

/**
 * Registry auth against docker-registry itself: htpasswd Basic auth, and
 * Bearer tokens from the test token server (realm/service/scope flow).
 */
import test from 'ava';
import type { RegistryAuth } from '../../../runtime/registry/types.js';
import { startEnv, type Env } from './fixtures.js';

const user = { username: 'alice', password: 's3cret' };
const good: RegistryAuth = { ...user };
const bad: RegistryAuth = { username: 'alice', password: 'wrong' };

const envs: Partial<Record<'basic' | 'token', Env>> = {};
test.after.always(async () => {
  for (const env of Object.values(envs)) await env.stop();
});

for (const mode of ['basic', 'token'] as const) {
  test.before(async () => {
    envs[mode] = await startEnv({ [mode]: user });
  });

  test.serial(`${mode}: login checks credentials; push and pull need them`, async (t) => {
    const { engine, reg } = envs[mode]!;
    await engine.checkRegistryAuth(reg.host, good);
    await engine.checkRegistryAuth(`http://${reg.host}/v2/`, good);
    const refused = await t.throwsAsync(engine.checkRegistryAuth(reg.host, bad));
    t.is((refused as { kind?: string }).kind, 'Forbidden');

    await engine.ensureImage('busybox');
    const ref = `${reg.host}/private/busybox:1`;
    await engine.images.tag('busybox:latest', ref);
    const anonymous = await t.throwsAsync(engine.pushImage(ref));
    t.is((anonymous as { kind?: string }).kind, 'Forbidden');
    t.is((await t.throwsAsync(engine.pushImage(ref, { auth: bad })) as { kind?: string }).kind, 'Forbidden');
    const { digest } = await engine.pushImage(ref, { auth: good });

    await engine.removeImage(ref);
    t.is((await t.throwsAsync(engine.pullImage(ref)) as { kind?: string }).kind, 'Forbidden');
    const pulled = await engine.pullImage(ref, { auth: good });
    t.is(pulled.manifestDigest, digest);
    if (mode === 'token') {
      t.true(reg.tokenRequests.some((scopes) => scopes.includes('repository:private/busybox:pull,push')));
      t.true(reg.tokenRequests.some((scopes) => scopes.includes('repository:private/busybox:pull')));
    }
  });
}


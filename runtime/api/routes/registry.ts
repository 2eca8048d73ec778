/**
 * Images to and from registries: `POST /images/create?fromImage=` (pull;
 * tspaas's own base images are built instead), `POST /images/{name}/push`,
 * `POST /auth`. Credentials come in `X-Registry-Auth` or the body.
 */
import { isKind } from '../../../lib/errors.js';
import type { Engine, OnProgress, Progress } from '../../types.js';
import type { ApiCall } from '../api-call.js';
import { readJson } from '../http/body.js';
import { sendJson } from '../http/reply.js';
import { familiarRef, joinRepoTag } from '../docker/refs.js';
import { authOf, registryAuthHeader } from '../docker/registry-auth.js';
import { JsonMessageStream } from '../streams/json-lines.js';
import type { SystemAuthResponse } from '../docker/types.js';

/** One progress message as `docker pull`/`push` render it. */
export function progressJson(p: Progress): object {
  const detail = p.total ? { current: p.current ?? 0, total: p.total } : {};
  return { status: p.status, ...(p.id ? { id: p.id } : {}), progressDetail: detail };
}

/** Run `work` with a JSON message stream; a failure after the first message goes in-band. */
async function streamed(call: ApiCall, work: (out: JsonMessageStream, onProgress: OnProgress) => Promise<void>): Promise<void> {
  const out = new JsonMessageStream(call.res);
  try {
    await work(out, (p) => out.write(progressJson(p)));
  } catch (err) {
    if (!out.started) throw err;
    out.writeError(err);
  }
  out.end();
}

/** Pull `ref`: a name with a registry host from it; a bare name is a base image tspaas builds (or, unknown, a Docker Hub error). */
export async function pull(call: ApiCall, ref: string): Promise<void> {
  const { engine } = call.ctx;
  const auth = registryAuthHeader(call.req.headers['x-registry-auth']);
  const name = familiarRef(ref);
  await streamed(call, async (out, onProgress) => {
    const before = await imageId(engine, ref);
    if (!hasRegistryHost(name) && before) return out.write({ status: `Status: Image is up to date for ${name}` });
    const image = hasRegistryHost(name)
      ? await engine.pullImage(ref, { auth, onProgress })
      : await engine.ensureImage(ref, onProgress).catch((err: unknown) => {
        if (isKind(err, 'NotFound')) return engine.pullImage(ref, { auth, onProgress }); // fails naming Docker Hub
        throw err;
      });
    out.write({ status: image.id === before ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}` });
  });
}

/** `POST /images/{name}/push?tag=`: one tag, or every tag of the repository when none is given. */
export async function push(call: ApiCall, name: string): Promise<void> {
  const { engine } = call.ctx;
  const auth = registryAuthHeader(call.req.headers['x-registry-auth']);
  const tag = call.query.get('tag');
  const refs = tag ? [joinRepoTag(name, tag)!] : await tagsOf(engine, name);
  await streamed(call, async (out, onProgress) => {
    for (const ref of refs) {
      const { digest, size } = await engine.pushImage(ref, { auth, onProgress });
      out.write({ progressDetail: {}, aux: { Tag: ref.slice(ref.lastIndexOf(':') + 1), Digest: digest, Size: size } });
    }
  });
}

/** `POST /auth`: check credentials with the registry. */
export async function login(call: ApiCall): Promise<void> {
  const { auth, serverAddress } = authOf(await readJson(call));
  await call.ctx.engine.checkRegistryAuth(serverAddress, auth ?? {});
  sendJson(call.res, 200, { Status: 'Login Succeeded', IdentityToken: '' } satisfies SystemAuthResponse);
}

/** Does the first component of a familiar name look like a registry host? */
function hasRegistryHost(name: string): boolean {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

async function imageId(engine: Engine, ref: string): Promise<string | undefined> {
  try {
    return (await engine.images.get(ref)).id;
  } catch (err) {
    if (isKind(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** Every local `name:tag` of a repository; the name alone (→ `:latest`) when it has none. */
async function tagsOf(engine: Engine, name: string): Promise<string[]> {
  const repo = familiarRef(name).replace(/:[^:/]*$/, '');
  const tags = (await engine.images.list()).flatMap((i) => i.repoTags).filter((t) => t.startsWith(`${repo}:`));
  return tags.length ? tags.sort() : [name];
}

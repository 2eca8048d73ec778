/**
 * Registry mirrors (dockerd's `registry-mirrors`): the engine does not reach
 * Docker Hub, so a pull of a Docker Hub name (`node:20` =
 * docker.io/library/node:20, `user/app` = docker.io/user/app) goes to the
 * configured mirrors, in order, each asked for the repository under the
 * same path as a pull-through mirror serves it (`library/node`); the first
 * that serves the manifest serves the whole pull. Names of other registries
 * never go to a mirror. Without mirrors, such a pull is `Unavailable`,
 * saying how to configure one.
 */
import { invalid, TspaasError, unavailable, type ErrorKind } from '../../lib/errors.js';
import { RegistrySession } from './client.js';
import { resolveManifest, type PulledManifest } from './manifest.js';
import { DOCKER_HUB, noHubMessage, parseRemoteRef } from './reference.js';
import type { RegistryAuth, RegistryConfig, RemoteRef } from './types.js';

/** Where a pull's manifest was found: the session (and the ref as sent there) that serves its blobs. */
export interface PullSource extends PulledManifest {
  s: RegistrySession;
  r: RemoteRef;
}

/**
 * A mirror URL as dockerd takes it: `http(s)://host[:port]` with nothing
 * after the host but an optional `/`; returned without the slash.
 */
export function parseMirrorUrl(value: string, what = 'registry mirror'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw invalid(`invalid ${what} "${value}": use a URL like https://mirror.example.com or http://10.0.0.5:5000`, err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`invalid ${what} "${value}": the scheme must be http or https`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw invalid(`invalid ${what} "${value}": nothing may follow the host (no path, query, fragment or credentials)`);
  }
  return `${url.protocol}//${url.host}`;
}

/** The manifest of `ref` and the session its blobs come from: its own registry, or for Docker Hub the first mirror that has it. */
export async function locateManifest(cfg: RegistryConfig, ref: string, auth: RegistryAuth | undefined): Promise<PullSource> {
  const r = parseRemoteRef(ref);
  const scopes = [`repository:${r.repository}:pull`];
  if (r.registry !== DOCKER_HUB) {
    const s = await RegistrySession.open(r.registry, cfg, auth, scopes);
    return { s, r, ...(await resolveManifest(s, r)) };
  }
  const mirrors = cfg.mirrors ?? [];
  if (mirrors.length === 0) throw unavailable(noHubMessage(ref, r, true));
  const failures: TspaasError[] = [];
  for (const mirror of mirrors) {
    const at = { ...r, registry: new URL(mirror).host };
    try {
      const s = await RegistrySession.open(at.registry, cfg, auth, scopes, mirror);
      return { s, r: at, ...(await resolveManifest(s, at)) };
    } catch (err) {
      failures.push(err instanceof TspaasError ? err : unavailable(String(err), err));
    }
  }
  throw mirrorsFailed(ref, r, failures);
}

/** Every mirror failed: their reasons in order; the kind they agree on (NotFound when none has it), else `Unavailable`. */
function mirrorsFailed(ref: string, r: RemoteRef, failures: TspaasError[]): TspaasError {
  const kinds = new Set(failures.map((f) => f.kind));
  const message = `cannot pull "${ref}" (${DOCKER_HUB}/${r.repository}:${r.reference}) from the registry mirrors: ${failures.map((f) => f.message).join('; ')}`;
  const kind: ErrorKind = kinds.size === 1 ? failures[0].kind : 'Unavailable';
  return new TspaasError(kind, message, { cause: failures[failures.length - 1] });
}

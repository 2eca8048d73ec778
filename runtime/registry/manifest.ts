/**
 * Manifests on the wire: fetched with every media type we read, verified
 * against their digest, and an index (OCI image index, Docker manifest list)
 * resolved to the manifest of this host's platform.
 */
import { invalid } from '../../lib/errors.js';
import { MEDIA, sha256, type OciIndex, type OciManifest } from '../images/oci.js';
import { hostArchitecture } from '../images/platform.js';
import type { Descriptor } from '../images/types.js';
import type { RegistrySession } from './client.js';
import { readAll, replyError } from './http.js';
import type { RemoteRef } from './types.js';

export const MANIFEST_TYPES = [MEDIA.manifest, MEDIA.index, MEDIA.dockerManifest, MEDIA.dockerList];
const INDEX_TYPES: string[] = [MEDIA.index, MEDIA.dockerList];

type PlatformDescriptor = Descriptor & { platform?: { os?: string; architecture?: string; variant?: string } };

/** An image manifest as pulled: its exact bytes' digest and parsed content. */
export interface PulledManifest {
  digest: string;
  mediaType: string;
  manifest: OciManifest;
}

/** GET one manifest by tag or digest; checks the digest it was asked by or the one the registry claims. */
async function fetchManifest(s: RegistrySession, repo: string, reference: string): Promise<{ digest: string; mediaType: string; body: Buffer }> {
  const res = await s.request({ method: 'GET', path: `/v2/${repo}/manifests/${reference}`, headers: { Accept: MANIFEST_TYPES.join(', ') } });
  if (res.statusCode !== 200) throw await replyError(res, `manifest for ${s.registry}/${repo}:${reference}`);
  const body = await readAll(res, 4 * 1024 * 1024);
  const digest = sha256(body);
  const expected = reference.startsWith('sha256:') ? reference : res.headers['docker-content-digest'];
  if (typeof expected === 'string' && expected !== digest) {
    throw invalid(`digest mismatch for manifest ${s.registry}/${repo}:${reference}: expected ${expected}, got ${digest}`);
  }
  let mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
  const parsed = parse(body, reference);
  if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
  return { digest, mediaType, body };
}

function parse(body: Buffer, what: string): { mediaType?: unknown; manifests?: unknown; layers?: unknown; config?: unknown; schemaVersion?: unknown } {
  try {
    return JSON.parse(body.toString('utf8')) as ReturnType<typeof parse>;
  } catch (err) {
    throw invalid(`manifest ${what} is not valid JSON`, err);
  }
}

/** The image manifest for `ref`: an index is resolved to this host's platform (linux/amd64 here). */
export async function resolveManifest(s: RegistrySession, ref: RemoteRef): Promise<PulledManifest> {
  let got = await fetchManifest(s, ref.repository, ref.reference);
  let doc = parse(got.body, ref.reference);
  if (INDEX_TYPES.includes(got.mediaType) || (Array.isArray(doc.manifests) && !doc.layers)) {
    const pick = pickPlatform((doc as OciIndex).manifests as PlatformDescriptor[], `${ref.registry}/${ref.repository}:${ref.reference}`);
    got = await fetchManifest(s, ref.repository, pick.digest);
    doc = parse(got.body, pick.digest);
  }
  if (doc.schemaVersion !== 2 || !doc.config || !Array.isArray(doc.layers)) {
    throw invalid(`unsupported manifest for ${ref.registry}/${ref.repository}:${ref.reference} (media type "${got.mediaType}"): only OCI and Docker schema 2 images can be pulled`);
  }
  return { digest: got.digest, mediaType: got.mediaType, manifest: doc as OciManifest };
}

/** linux/<host arch> from an index; `NotFound`-like `Invalid` when it has none. */
export function pickPlatform(manifests: PlatformDescriptor[], what: string): PlatformDescriptor {
  const arch = hostArchitecture();
  const fits = (m: PlatformDescriptor) => m.platform?.os === 'linux' && m.platform.architecture === arch;
  const pick = (manifests ?? []).find((m) => fits(m) && (!m.platform?.variant || arch !== 'arm64' || m.platform.variant === 'v8')) ?? (manifests ?? []).find(fits);
  if (!pick) {
    const have = (manifests ?? []).map((m) => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}`).join(', ');
    throw invalid(`no matching manifest for linux/${arch} in the manifest list of ${what} (it has: ${have || 'nothing'})`);
  }
  return pick;
}

/**
 * Registry client contract: images to and from any OCI distribution v2
 * registry (Debian's docker-registry, distribution, Harbor, zot…).
 *
 * Vocabulary
 * - *registry*: a host[:port] serving `/v2/` (`127.0.0.1:5000`). A reference
 *   without one (`alpine`, `library/alpine`) names Docker Hub, which this
 *   engine does not reach: such pulls go to the registry mirrors
 *   (mirrors.ts) and fail with `Unavailable` when there are none; pushes
 *   to Docker Hub always fail so.
 * - *repository*: the path after the registry (`team/app`).
 * - *manifest*: OCI (`application/vnd.oci.image.manifest.v1+json`) or Docker
 *   schema 2 (`application/vnd.docker.distribution.manifest.v2+json`). An
 *   *index* (OCI image index or Docker manifest list) names one manifest per
 *   platform; a pull picks the host's (linux/amd64 here).
 * - *blob*: config or layer bytes, addressed by digest.
 *
 * Transport
 * - HTTPS, except for *insecure* registries (`insecureRegistries` in the
 *   engine config, plus `localhost`, `127.0.0.0/8` and `[::1]` always), which
 *   are spoken to in plain HTTP.
 * - Auth follows the registry's `WWW-Authenticate` challenge on `GET /v2/`:
 *   `Bearer realm=…,service=…` → a token from the realm for the scopes the
 *   operation needs (`repository:<name>:pull[,push]`), asked with the user's
 *   Basic credentials (or an identity token as OAuth2 refresh token);
 *   `Basic` → the credentials on every request. A registry that still says
 *   401 (or 403) is `Forbidden`; no credentials at all for a registry that
 *   wants some is `Forbidden` too.
 *
 * Integrity
 * - Every blob and manifest is verified against its digest while it streams.
 *   A pull stages everything in the image store's temp area and commits the
 *   image in one step only when every blob matched its digest and every
 *   layer passed the safe-extraction rules and its config's diff_id: a
 *   corrupt blob is `Invalid` ("digest mismatch") and the store is unchanged.
 *
 * Layers
 * - Stored as the registry sent them (gzip, zstd or plain; same digest), so
 *   pushing a pulled image back uploads the same blobs. gzip is read through
 *   `pigz -dc` when present, zstd through `zstd -dc` (runtime/archive).
 * - Push sends each blob at most once: `HEAD` first (skip when present), then
 *   a cross-repository mount when the engine knows the blob is in another
 *   repository of the same registry (it remembers where it pulled and pushed
 *   blobs), then an upload: one `PUT` (monolithic) or `PATCH` chunks of
 *   `chunkSize` bytes then `PUT`. The manifest pushed is the image store's
 *   own OCI manifest, so its digest is `Image.manifestDigest`.
 */
// The options of the Engine's pull/push/login live in the Engine contract (runtime/types.ts).
export type { PullOptions, PushOptions, RegistryAuth } from '../types.js';

/** How the engine reaches registries (from EngineConfig). */
export interface RegistryConfig {
  /** Hosts (`host` or `host:port`) or CIDRs spoken to in plain HTTP; loopback always is. */
  insecureRegistries: readonly string[];
  /** Mirrors of Docker Hub (`http(s)://host[:port]`), tried in order by pulls of Docker Hub names (mirrors.ts). */
  mirrors?: readonly string[];
  /** Where the engine remembers which repositories hold which blobs (for cross-repo mounts). */
  stateDir: string;
}

/** A reference split for the wire: `127.0.0.1:5000/team/app:1.0`. */
export interface RemoteRef {
  /** host[:port] */
  registry: string;
  repository: string;
  /** Tag or digest to ask `/manifests/` for. */
  reference: string;
  /** True when `reference` is a digest. */
  byDigest: boolean;
}

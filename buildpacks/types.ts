/**
 * The buildpack runner's contract: source tree in, image out.
 *
 * tspaas runs *classic* (Heroku-style) buildpacks unchanged. A buildpack is a
 * directory with three executables:
 *
 * - `bin/detect BUILD_DIR` — exit 0 and print a name on stdout when it can
 *   build this app; any other exit means "not mine".
 * - `bin/compile BUILD_DIR CACHE_DIR ENV_DIR` — turn the source in BUILD_DIR
 *   into a runnable app in place. CACHE_DIR survives between builds of the
 *   same app; ENV_DIR holds one file per config var (name = variable, content
 *   = value), which the buildpack may read but the runner does not export.
 *   Output lines starting with `-----> ` are steps, lines indented by seven
 *   spaces are details (Heroku's style). A buildpack may write an `export`
 *   file into its own directory: it is sourced before every later
 *   buildpack's compile (multi-buildpack).
 * - `bin/release BUILD_DIR` — YAML on stdout with `config_vars` (the app's
 *   default environment) and `default_process_types` (`web: command`).
 *
 * tspaas extension (optional; a buildpack that ignores it works unchanged):
 * *cached layers*. A buildpack may write a `layers` file into its own
 * directory, one `KEY PATH` per line: the tree `/app/PATH` is a pure
 * function of KEY (e.g. `nodejs-runtime-v2-20.20.2-npm-10.9.9` for
 * `.heroku/node`). The runner stores each such tree as its own layer below
 * the rest of the slug and remembers KEY → layer in CACHE_DIR, so a later
 * build that declares the same KEY reuses the stored layer without packing
 * or hashing the tree again. Before compile the runner lists, in
 * `TSPAAS_CACHED_LAYERS` (space-separated), the keys whose layers are still
 * stored: for those the buildpack may leave `/app/PATH` out entirely (it is
 * taken from the layer); for any other declared key `/app/PATH` must exist.
 * PATH is relative to /app, without `..`; declared paths must not nest.
 *
 * Vocabulary
 * - *source*: the app's tree as the user has it (a directory, or a tar of it).
 * - *build dir*: `/app` in the build container; the source is copied there
 *   and compiled in place, so absolute paths written by tools (venvs,
 *   shebangs) stay valid at run time.
 * - *slug*: `/app` after compile, stored as one layer (after any cached
 *   layers the buildpacks declared, see above) on top of the run stack
 *   (see stacks/types.ts). Its tar is deterministic (names sorted, owner 0,
 *   fixed mtimes), so the same source and the same tool outputs give the same
 *   layer digest.
 * - *process types*: `name → command`, from the app's Procfile first, then
 *   the buildpacks' `default_process_types`. `release` is the release-phase
 *   command, never a running process type.
 *
 * Which buildpacks run (the first step that answers wins, see select.ts):
 * the explicit list of the build request (`--buildpack`, several = multi
 * buildpack, run in order), then the app's `.buildpacks` file (one per line),
 * then detection over the bundled list in order (nodejs, python, go, static,
 * procfile), where the first `bin/detect` that succeeds is used. A buildpack
 * reference is a bundled name or an `https://` URL of a git repository
 * (optionally pinned by `#ref`: branch, tag or commit) or of a tarball
 * (`.tgz`, `.tar.gz`, `.tar`). The operator's own builds (`allowLocal`) may
 * also name a local directory (absolute or `./` path on the host running the
 * build) or any git URL this host's git clones (`file://`, `ssh://`,
 * `git@host:`), cloned by the host.
 *
 * Fetching (see fetch.ts): an `https://` buildpack is downloaded by the build
 * container itself after it starts, on the build's network, never by the
 * host — so it reaches only what the build's RUN steps would. Before that the
 * URL's host is resolved in the build container, and a URL whose host is (or
 * resolves to) loopback, link-local, unspecified, multicast/reserved, one of
 * this host's own addresses or a subnet of one of the engine's networks is
 * refused (IPv4 literals in any spelling are normalized first; the checked
 * address is pinned for the download). Everything else a tenant could name —
 * a local path, `file://`, `ssh://`, `git@`, `http://` — is refused with the
 * same message, which never says whether the path or repository exists on
 * the host. The `.buildpacks` file is read only when it is a regular file
 * (never through a symlink) of at most 64 KiB.
 *
 * Errors (lib/errors.ts kinds; the message is what the user sees):
 * - no buildpack detected: `Invalid`, naming every buildpack tried;
 * - a failing compile/release: `Invalid` (`BuildFailed`) after its output was
 *   streamed; nothing is written to the image store;
 * - the time limit passed: `Unavailable`, naming the buildpack that was
 *   running (the build container is killed);
 * - a malformed Procfile: `Invalid`, naming the line;
 * - a buildpack reference a build may not use (see above): `Forbidden`,
 *   `buildpack <ref> is not allowed: …`, whatever the reason;
 * - a buildpack that cannot be fetched: `NotFound` / `Unavailable`.
 * The build container is always removed.
 */
import type { UsernsOption } from '../runtime/containers/types.js';
import type { Readable } from 'node:stream';
import type { OnProgress } from '../runtime/types.js';
import type { DownloadStore } from './downloads.js';

/** One line of build output, already in Heroku's style (`-----> Step`, `       detail`). */
export type OnOutput = (line: string) => void;

/** What to build and how. */
export interface BuildOptions {
  /** The app's source: a directory on this host, or a tar stream of it. */
  source: string | Readable;
  /** Tag of the resulting image, e.g. `myapp:latest`. */
  tag: string;
  /** Explicit buildpacks, in order; empty = `.buildpacks`, else detection. */
  buildpacks?: string[];
  /** Config vars given to the build (ENV_DIR). */
  env?: Record<string, string>;
  /** The app's cache directory on this host, kept between builds; absent = a fresh one, removed after. */
  cacheDir?: string;
  /** Every output line, as it happens. */
  onOutput?: OnOutput;
  /** Stack-building progress (only when a stack is made). */
  onProgress?: OnProgress;
  /** Limits of the build container. */
  limits?: Partial<BuildLimits>;
  /** Network of the build container, and so of its buildpack downloads (default: the engine's default network). */
  network?: string;
  /**
   * Also accept local directories and any git URL the host's git clones,
   * cloned on the host (the operator's own `tspaas build`, root on the host
   * anyway). Default false: bundled names and `https://` URLs only, as for
   * every build the platform starts for a tenant.
   */
  allowLocal?: boolean;
  /** Labels of the app image, besides the runner's own (LABELS), e.g. the platform's build scope. */
  labels?: Record<string, string>;
  /**
   * A CA bundle on this host mounted read-only over the build container's
   * /etc/ssl/certs/ca-certificates.crt (curl, git, pip, and Node through
   * NODE_EXTRA_CA_CERTS): for hosts whose outbound HTTPS goes through a proxy
   * with its own CA. Absent = the stack's own bundle.
   */
  caFile?: string;
  /**
   * Issue 13 part 2: the build container's user namespace (as the engine's
   * CreateOptions.userns); the cache dir is given to its root. Absent = the host's.
   */
  userns?: UsernsOption;
  /**
   * The host's download store (contract in downloads.ts): mounted read-only
   * at /tspaas/downloads (`TSPAAS_DOWNLOADS`), and the verified downloads the
   * build leaves in CACHE_DIR/downloads are moved into it after the build
   * container is gone. Absent = none: every cache downloads for itself.
   */
  downloads?: DownloadStore;
}

export interface BuildLimits {
  /** Wall-clock limit in ms of everything that runs in the build container (default 15 minutes). */
  timeoutMs: number;
  /** Memory limit in bytes (default 2 GiB). */
  memory: number;
  /** Pids limit (default 1024). */
  pids: number;
  /** CPU quota in nano-CPUs and CPU weight (cpu.shares); absent = none / the default (1024). */
  nanoCpus?: number;
  cpuShares?: number;
}

/** What a build produced. */
export interface BuildResult {
  /** Image ID (`sha256:…`) and the tag it got. */
  imageId: string;
  tag: string;
  /** The buildpacks that ran, in order, with what their detect printed. */
  buildpacks: Array<{ ref: string; name: string }>;
  /** Process types recorded in the image (Procfile first, then the buildpacks' defaults). */
  processTypes: Record<string, string>;
  /** The release-phase command (`release:` in the Procfile), if any. */
  releaseCommand?: string;
  /** Environment from the buildpacks' `config_vars`. */
  configVars: Record<string, string>;
  /** Uncompressed size of all /app layers in bytes (the slug with its cached layers). */
  slugSize: number;
  /** Digest (diffID) of the /app layer (without declared cached layers): equal for equal builds. */
  slugDigest: string;
  /** Keys of the cached layers (see `layers` above) taken from earlier builds instead of packed again. */
  reusedLayers: string[];
  /** Wall-clock time of the build. */
  durationMs: number;
}

/** A buildpack ready to run: where its files come from and how the user named it. */
export interface ResolvedBuildpack {
  /** As the user or the list gave it: `nodejs`, `./bp`, `https://…#v1`. */
  ref: string;
  /** Short name used for its directory inside the build container. */
  slug: string;
  /** Directory on this host holding bin/detect etc. (copied in before the build container starts); null for a remote one. */
  dir: string | null;
  /** An `https://` buildpack the build container fetches itself (see fetch.ts); null for one on this host. */
  remote: RemoteBuildpack | null;
}

/** An `https://` buildpack, checked for its form (scheme, host) but not yet for where its host resolves. */
export interface RemoteBuildpack {
  /** The URL without `#pin`, IPv4 literals normalized (`http://0x7f.1` → `127.0.0.1`). */
  url: string;
  /** Host name or IPv4 literal, and port (443 unless given). */
  host: string;
  port: number;
  kind: 'git' | 'tarball';
  /** `#ref` of a git URL (branch, tag or commit). */
  pin?: string;
}

/** What `bin/release` said. */
export interface ReleaseInfo {
  configVars: Record<string, string>;
  defaultProcessTypes: Record<string, string>;
}

/** Image labels written by the runner. */
export const LABELS = {
  /** JSON object of every process type. */
  processTypes: 'io.tspaas.process-types',
  /** Prefix of one label per process type: `io.tspaas.process.web`. */
  processPrefix: 'io.tspaas.process.',
  /** The release-phase command. */
  release: 'io.tspaas.release',
  /** Comma-separated buildpack refs that ran. */
  buildpacks: 'io.tspaas.buildpacks',
} as const;

/**
 * Build contract: a Dockerfile and a build context in, an image out.
 *
 * Vocabulary
 * - *context*: the files a build may COPY/ADD from, sent as a tar (plain or
 *   gzip). A body that is not a tar is taken as the Dockerfile itself and the
 *   context is empty (`docker build - < Dockerfile`).
 * - *stage*: the instructions from one FROM up to the next. `--target` names
 *   the last stage built; stages are built in order up to it (the classic
 *   builder's behaviour), each one's result can be `COPY --from`'d by later
 *   ones.
 * - *step*: one instruction of a stage. Every step leaves an image in the
 *   store (dangling, like Docker's intermediate images): RUN, COPY, ADD and a
 *   WORKDIR that creates a directory add a layer; the rest change only the
 *   config and add a history entry with `empty_layer: true`.
 * - *cache scope*: the cache is split by the builds' `scope` (below), each
 *   scope its own index under `<engine root>/build/cache/scopes/<scope>/`; a
 *   build without a scope uses the shared index `<engine root>/build/cache/`.
 * - *cache key*: sha256 of the parent image ID, the instruction after
 *   variable substitution, and what else decides the result (build args in
 *   effect for RUN; a checksum of the sources' paths, modes and contents for
 *   COPY/ADD — never mtimes). The cache index (`<engine root>/build/cache/`)
 *   maps keys to the image a step produced, with that image's config and
 *   layer list, so a step whose intermediate image was pruned is restored
 *   from its layers when they are still stored (same image ID) and is run
 *   again when they are not — a prune never makes the cache return a missing
 *   image.
 *
 * RUN steps are real containers of the engine: the engine's isolation
 * defaults (capabilities, seccomp, masked paths, no-new-privileges), the
 * build's network (`networkMode`, default the engine's default network), and
 * the build limits (memory, pids, time; `BuildLimits`). `ADD <url>` is
 * downloaded from a fresh network sandbox on that same network (resolving
 * names through its DNS responder), never from the engine's own namespace on
 * the host: a URL naming the host's loopback or addresses reaches what a RUN
 * step would (nothing of the host's services); `--network host` downloads on
 * the host, `none` cannot download.
 * COPY/ADD go through the engine's safe tar extraction into a build container
 * whose upper dir becomes the layer. Build containers are removed after each
 * step (`rm`, default true); after a failed step only with `forceRm`.
 *
 * Scopes: builds that share one engine but must not see each other's work
 * (two tenants' apps) carry a `scope`. A scoped build reads and fills only
 * its scope's cache, so it never takes (or learns of, by a cache hit) a step
 * another scope made, and `pruneBuildCache({ scope })` erases the scope with
 * the intermediate images it kept; every image it writes carries BUILD_SCOPE_LABEL; and its FROM /
 * `--from` images are named by reference only — not by image ID or ID prefix,
 * which could reach any image in the store — and never one labelled with
 * another scope; and a missing one is pulled only from a registry that is
 * not on this host or its networks (scope.ts: the pull runs in the engine's
 * namespace). Such an image is answered exactly like one that does not
 * exist. Unscoped builds (the operator's `docker build`) are as before.
 *
 * Errors are `Invalid` for what the user can fix (syntax errors naming the
 * line, a missing or outside-the-context COPY source, a failing RUN with its
 * exit code and step number, an unknown stage), `NotFound` for a FROM image
 * that is not present and cannot be made. Nothing is tagged unless the whole
 * build succeeded.
 */
import { TspaasError } from '../../lib/errors.js';
import type { UsernsOption } from '../containers/types.js';
import type { RegistryAuth } from '../registry/credentials.js';

/** Limits of every build container; the engine config's `build` overrides the defaults. */
export interface BuildLimits {
  /** Bytes of memory (default 2 GiB); 0 = no limit. */
  memory: number;
  /** Pids (default 4096); 0 = no limit. */
  pidsLimit: number;
  /** Seconds a single RUN step may take (default 3600); 0 = no limit. */
  timeoutSeconds: number;
}

export const DEFAULT_BUILD_LIMITS: Readonly<BuildLimits> = Object.freeze({
  memory: 2 * 1024 ** 3,
  pidsLimit: 4096,
  timeoutSeconds: 3600,
});

/** What `buildImage` is asked for (Docker's /build query, already parsed). */
export interface BuildOptions {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** References to tag the result with, e.g. `app:latest`. */
  tags?: string[];
  /** `--build-arg`: values for ARGs (and the predefined proxy args). */
  buildArgs?: Record<string, string>;
  /** Last stage to build, by name. */
  target?: string;
  /** Run every step, ignoring (but refreshing) the cache. */
  noCache?: boolean;
  /** Remove build containers after a successful step (default true). */
  rm?: boolean;
  /** Remove build containers even after a failed step. */
  forceRm?: boolean;
  /** Labels added to the final image. */
  labels?: Record<string, string>;
  /** Per-build overrides of the limits (lower or higher than the engine's). */
  memory?: number;
  pidsLimit?: number;
  /** Nano-CPUs of build containers (0 = no limit). */
  nanoCpus?: number;
  /** CPU weight of build containers (cpu.shares; absent = the default, 1024). */
  cpuShares?: number;
  /** Network of RUN steps and ADD downloads: `default`/`bridge` (the default), `none`, `host`, or a network name. */
  networkMode?: string;
  /** `--add-host` of RUN steps: `name:ip` entries of their /etc/hosts. */
  extraHosts?: string[];
  /**
   * `--cache-from`: a step's cached result is used only when it is one of
   * these images or one of their parents (as the classic builder: a cached
   * step that none of them built is not used). Images that do not exist are
   * skipped; absent = every cached step may be used.
   */
  cacheFrom?: string[];
  /**
   * Keep this build apart from builds of other scopes (see "Scopes" above):
   * its own cache, its images labelled, no other scope's images as bases.
   * The platform gives each app's builds `app-<app id>`. A name of 1-128 of
   * A-Z a-z 0-9 _ . - (starting with a letter or digit). Absent = unscoped.
   */
  scope?: string;
  /**
   * Credentials for pulling FROM / `--from` images, by registry host
   * (`host[:port]`; `docker.io` for Docker Hub names, used with its
   * mirrors), as Docker's `X-Registry-Config`. Only this build uses them.
   */
  registryAuth?: Readonly<Record<string, RegistryAuth>>;
  /** Issue 13 part 2: the user namespace of every build container (as CreateOptions.userns); absent = the host's. */
  userns?: UsernsOption;
}

/** Label of every image a scoped build writes: the build's scope. */
export const BUILD_SCOPE_LABEL = 'io.tspaas.build.scope';

/**
 * What a build reports while it runs, in order. The Engine API renders these
 * as the classic builder's text (`Step 1/7 : FROM busybox`, ` ---> Using
 * cache`, ` ---> 1a2b3c4d5e6f`…).
 */
export type BuildEvent =
  /** A step starts; `instruction` is the Dockerfile line as written (continuations joined). */
  | { kind: 'step'; step: number; total: number; instruction: string }
  /** The step's result came from the cache. */
  | { kind: 'cached' }
  /** A build container was created for the step. */
  | { kind: 'container'; id: string }
  /** Output of a RUN step (or a notice of the builder). */
  | { kind: 'output'; stream: 'stdout' | 'stderr'; data: Buffer }
  /** A build container was removed. */
  | { kind: 'removed'; id: string }
  /** The step's (or FROM's) image. */
  | { kind: 'image'; id: string }
  /** Progress of making a base image on first use. */
  | { kind: 'progress'; progress: BuildProgress }
  /** The build finished: the final image. */
  | { kind: 'built'; id: string }
  /** A tag now points at the final image. */
  | { kind: 'tagged'; tag: string };

export type OnBuildEvent = (e: BuildEvent) => void;

/** A RUN step's command exited non-zero: the build fails with Docker's message, and the API reports the exit code (errorDetail.code). */
export class StepCommandFailed extends TspaasError {
  constructor(command: string, readonly exitCode: number) {
    super('Invalid', `The command '${command}' returned a non-zero code: ${exitCode}`);
  }
}

/** The engine's `Progress` (runtime/types.ts), restated here so the two contracts do not import each other. */
export interface BuildProgress {
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

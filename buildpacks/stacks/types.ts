/**
 * Stacks: the two images every buildpack build stands on.
 *
 * - The *build stack* is where `bin/detect`, `bin/compile` and `bin/release`
 *   run: Debian bookworm with compilers and the tools buildpacks expect
 *   (build-essential, git, curl, python3, Go, jq…).
 * - The *run stack* is what the app runs on: the same Debian with only
 *   runtime libraries. The compiled `/app` is one layer on top of it, so
 *   whatever a buildpack links against at build time must exist at run time
 *   too (same release, same library versions).
 *
 * Both are made through the engine alone: `debian:bookworm` (which the engine
 * itself makes with mmdebstrap on first use), then one container that runs
 * `apt-get install` over the network to Debian's mirror, committed and
 * tagged. The engine's `ensureImage` progress and apt's output lines are
 * reported as progress. A stack is made the first time a build needs it and
 * then used as an ordinary cached image; `rebuild` makes it again (e.g. for
 * security updates). The package list is recorded in a label: an image whose
 * list differs from the current definition is rebuilt, so changing the list
 * in code takes effect without a manual step.
 */
import type { OnProgress } from '../../runtime/types.js';

/** One stack definition. */
export interface StackDefinition {
  /** Image reference it is tagged with, e.g. `tspaas/build-stack:bookworm`. */
  name: string;
  /** The image it starts from (made by the engine). */
  base: string;
  /** Debian packages installed on top, without recommends. */
  packages: readonly string[];
  /** Environment of the image (PATH, LANG…). */
  env: readonly string[];
}

/** Both stacks of one build. */
export interface Stacks {
  build: string;
  run: string;
}

export interface EnsureStackOptions {
  /** Make it again even when the image exists and is current. */
  rebuild?: boolean;
  onProgress?: OnProgress;
  /** Build container limit in ms (apt over a slow mirror); default 30 minutes. */
  timeoutMs?: number;
}

/** What one app of the corpus is: its source, how it is pushed, and what a user sees when it works. */
import type { PackageMirrors } from '../../../helpers/package-mirrors.js';
import type { WheelHashes } from '../../../buildpacks/fixtures/python-apps.js';

/** What the corpus test serves on its own, for the apps whose dependencies are not reachable from here. */
export interface CorpusContext {
  /** A PEP 503 index and a Go module proxy on an "outside" host (PyPI and proxy.golang.org are not reachable). */
  mirrors: PackageMirrors;
  /** The hashes of the index's wheels, for the lockfiles that pin them. */
  wheels: WheelHashes;
  /** The go.sum lines of the proxy's one module. */
  goSum: string;
}

export interface CorpusApp {
  /** The app's name on the platform. */
  name: string;
  /** The public app or buildpack fixture this one is modelled on. */
  source: string;
  /** The repo's files (path → content). */
  files(ctx: CorpusContext): Record<string, string> | Promise<Record<string, string>>;
  /** Config vars set before the first push. */
  config?(ctx: CorpusContext): Record<string, string>;
  /** The path asked for through the router (default `/`). */
  path?: string;
  /** The body that path answers; null for an app with no web process. */
  body: string | null;
  /** Lines the push must print (after `remote: `, as the buildpack or platform writes them). */
  lines?: string[];
  /** The processes `tspaas ps` must show up (default `web.1`). */
  processes?: string[];
}

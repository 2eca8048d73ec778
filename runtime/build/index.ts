/** The Dockerfile builder: what the engine calls. */
export { buildImage } from './builder.js';
export { BuildCache, cacheDir, pruneScope } from './cache.js';
export { parseIgnore, isExcluded } from './ignore.js';
export type { BuildDeps } from './state.js';
export { DEFAULT_BUILD_LIMITS, type BuildEvent, type BuildLimits, type BuildOptions, type OnBuildEvent } from './types.js';

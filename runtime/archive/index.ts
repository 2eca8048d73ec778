/** Tar handling for layers and trees: the functions other subsystems call. */
export { applyLayer, scanLayer } from './apply.js';
export { packLayer, packTree } from './pack.js';
export { changes } from './changes.js';
export { isGzip } from './compression.js';
export type { AppliedLayer, ApplyOptions, Change, PackTreeOptions } from './types.js';

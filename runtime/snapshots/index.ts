/** Snapshots: unpacked layers keyed by chain ID, containers' writable layers, and mounting them. */
export { OverlaySnapshotter, openSnapshotter } from './overlay.js';
export { chainIds } from './chain.js';
export { mountAll, unmount, isMountPoint, fitOptions, MAX_MOUNT_OPTIONS } from './mount.js';
export type { Mount, Snapshotter } from './types.js';

/** Every route of the Engine API, by resource. */
import type { Route } from '../api-call.js';
import { archiveRoutes } from './archive.js';
import { buildRoutes } from './build.js';
import { containerFsRoutes } from './container-fs.js';
import { containerStreamRoutes } from './container-streams.js';
import { containerRoutes } from './containers.js';
import { execRoutes } from './exec.js';
import { imageTransferRoutes } from './image-transfer.js';
import { imageRoutes } from './images.js';
import { networkRoutes } from './networks.js';
import { sourceBuildRoutes } from './source-build.js';
import { swarmRoutes } from './swarm.js';
import { systemRoutes } from './system.js';
import { volumeRoutes } from './volumes.js';

export const allRoutes: Route[] = [
  ...systemRoutes,
  ...containerRoutes,
  ...containerStreamRoutes,
  ...containerFsRoutes,
  ...archiveRoutes,
  ...execRoutes,
  ...imageRoutes,
  ...imageTransferRoutes,
  ...buildRoutes,
  ...volumeRoutes,
  ...networkRoutes,
  ...sourceBuildRoutes,
  ...swarmRoutes,
];

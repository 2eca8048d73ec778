/** `VolumeInfo` → Docker's volume JSON. */
import type { VolumeInfo } from '../../types.js';
import type { Volume } from './types.js';

/** One volume as `GET /volumes/{name}` shows it. */
export function volumeJson(v: VolumeInfo): Volume {
  return {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: v.mountpoint,
    CreatedAt: v.createdAt,
    Labels: v.labels,
    Scope: 'local',
    Options: v.options ?? {},
  };
}

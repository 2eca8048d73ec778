/**
 * The user namespace of a team's containers (issue 13, part 2): container
 * root is the team's host uid (`teams.userns_host_id`, migration 0005) and
 * the team's 65536 ids follow it, so a process that breaks out of a
 * container is an unprivileged host uid that owns nothing of another team.
 */
import type { UsernsMap } from '../runtime/containers/types.js';
import type { App } from './types.js';

/** Ids in each team's range (uids 0–65535 inside, as podman's `--userns=auto` gives). */
export const TEAM_USERNS_SIZE = 65536;

/** The engine's `userns` option for containers of `app`'s team. */
export function teamUserns(app: Pick<App, 'teamUsernsHostId'>): UsernsMap {
  const map = [{ containerId: 0, hostId: app.teamUsernsHostId, size: TEAM_USERNS_SIZE }];
  return { uidMap: map, gidMap: map };
}

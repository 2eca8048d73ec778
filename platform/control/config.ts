/**
 * Config vars: read from the release, changed by a new release.
 */
import { invalid } from '../../lib/errors.js';
import type { ConfigChanged, ConfigPatch } from '../api/types.js';
import { hasRole, requireAppRole } from '../auth/roles.js';
import type { App, Caller, PlatformDeps, Release } from '../types.js';
import { parsePort } from '../scheduler/port.js';
import { audit } from './audit.js';
import { currentOrLatestRelease } from '../store/releases.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a viewer sees instead of each config value: always the same, so it says nothing of the value, not even its length. */
export const MASKED_VALUE = '••••';

/** The config as the caller may see it: values for members and owners (and admins), every value MASKED_VALUE for viewers. */
export function configAsSeenBy(caller: Caller, app: App, config: Record<string, string>): Record<string, string> {
  if (hasRole(caller, app.teamId, 'member')) return config;
  return Object.fromEntries(Object.keys(config).map((name) => [name, MASKED_VALUE]));
}

/** A release as the caller may see it: its config masked for viewers (configAsSeenBy). */
export function releaseAsSeenBy(caller: Caller, app: App, release: Release): Release {
  return { ...release, config: configAsSeenBy(caller, app, release.config) };
}

/** The config of the current release (or the newest, or none). */
export async function readConfig(deps: Pick<PlatformDeps, 'db'>, app: App): Promise<Record<string, string>> {
  return (await currentOrLatestRelease(deps.db, app.id))?.config ?? {};
}

/** Apply a patch (null = unset) through a new release; Invalid for bad names and a PORT that is no port number. */
export async function patchConfig(deps: Pick<PlatformDeps, 'db' | 'deployer'>, caller: Caller, app: App, patch: ConfigPatch): Promise<ConfigChanged> {
  requireAppRole(caller, app, 'member');
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [name, value] of Object.entries(patch)) {
    if (!NAME.test(name)) throw invalid(`${name} is not a valid config var name ([A-Za-z_][A-Za-z0-9_]*)`);
    if (name === 'PORT' && value !== null) parsePort(value); // issue 14 part P: the port processes get (scheduler/port.ts), Dokku's way
    if (value === null) unset.push(name);
    else set[name] = value;
  }
  if (unset.length + Object.keys(set).length === 0) throw invalid('no config vars given');
  const action = unset.length && !Object.keys(set).length ? 'config.unset' : 'config.set';
  const release = await deps.deployer.createRelease(app, { kind: 'config', set, unset }, caller,
    (q, made) => audit(q, caller, app, action, { set: Object.keys(set), unset, version: made.version }));
  return { config: release.config, release };
}

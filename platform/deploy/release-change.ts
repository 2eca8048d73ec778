/**
 * What a new release is made of: the app's latest release with one change
 * applied (a build, a config change, a rollback). Pure: data in, data out.
 */
import { invalid } from '../../lib/errors.js';
import type { Release, ReleaseChange } from '../types.js';
import type { NewRelease } from '../store/releases.js';

const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The next release of `appId` after `latest` (null: the first) with `change` applied. */
export function nextRelease(appId: string, latest: Release | null, change: ReleaseChange, userId: string | null): NewRelease {
  const base: NewRelease = {
    appId, userId, buildId: latest?.buildId ?? null, image: latest?.image ?? null, config: { ...(latest?.config ?? {}) },
    processTypes: { ...(latest?.processTypes ?? {}) }, appJson: latest?.appJson ?? null, description: '',
  };
  switch (change.kind) {
    case 'build': {
      const { build } = change;
      if (!build.image) throw invalid(`build ${build.id} has no image`);
      return { ...base, buildId: build.id, image: build.image, processTypes: { ...build.processTypes }, appJson: build.appJson,
        description: `Deploy ${build.source.slice(0, 7)}` };
    }
    case 'config':
      return { ...base, config: applyConfig(base.config, change.set, change.unset), description: configDescription(change.set, change.unset) };
    case 'rollback': {
      const { to } = change;
      if (to.appId !== appId) throw invalid('cannot roll back to a release of another app');
      if (!to.image) throw invalid(`v${to.version} has no image to roll back to`);
      return { ...base, buildId: to.buildId, image: to.image, config: { ...to.config }, processTypes: { ...to.processTypes },
        appJson: to.appJson, description: `Rollback to v${to.version}` };
    }
  }
}

/** `config` with `set` applied, then `unset` removed; names must be env-variable names. */
export function applyConfig(config: Record<string, string>, set: Record<string, string>, unset: string[]): Record<string, string> {
  const bad = [...Object.keys(set), ...unset].filter((k) => !CONFIG_KEY.test(k));
  if (bad.length) throw invalid(`invalid config var name: ${bad.join(', ')}`);
  if (Object.keys(set).length === 0 && unset.length === 0) throw invalid('no config vars to set or unset');
  const out = { ...config, ...set };
  for (const k of unset) delete out[k];
  return out;
}

/** `Set A, B config vars`, `Unset C config vars`, or both joined by `; `. */
export function configDescription(set: Record<string, string>, unset: string[]): string {
  const parts: string[] = [];
  if (Object.keys(set).length) parts.push(`Set ${Object.keys(set).join(', ')} config vars`);
  if (unset.length) parts.push(`Unset ${unset.join(', ')} config vars`);
  return parts.join('; ');
}

/**
 * Issue 14 part P (process types): how many of each process type the FIRST
 * deploy of an app runs, and the lines that tell the pusher. Heroku's rules:
 *
 *   - app.json `formation` (`{"worker": {"quantity": 1, "size": "basic"}}`)
 *     is read on the first deploy only (the app has no formation rows yet);
 *     later pushes leave the formation to `tspaas scale`;
 *   - without a quantity from app.json: `web` runs one process;
 *   - a release without `web` (a worker-only Procfile) runs one process of
 *     its first type, in Procfile order, instead of nothing at all.
 *
 * Pure: a release in, quantities and lines out.
 */
import type { FormationEntry, Release } from '../types.js';

/** The release-phase command's type: run before a deploy, never a process. */
export const RELEASE_PHASE = 'release';

/** Why a type got its first quantity. */
export type InitialReason = 'app.json' | 'web' | 'first type' | 'default';

/** The first quantity of each type of `release` and why; types in the release's own (Procfile) order. */
export function initialQuantities(release: Pick<Release, 'processTypes' | 'appJson'>): Map<string, { quantity: number; reason: InitialReason }> {
  const declared = Object.keys(release.processTypes).filter((t) => t !== RELEASE_PHASE);
  const types = declared.length === 0 ? ['web'] : declared;
  const wished = release.appJson?.formation ?? {};
  const out = new Map<string, { quantity: number; reason: InitialReason }>();
  for (const type of types) {
    const q = wished[type]?.quantity;
    out.set(type, q !== undefined ? { quantity: q, reason: 'app.json' } : { quantity: type === 'web' ? 1 : 0, reason: type === 'web' ? 'web' : 'default' });
  }
  const fromJson = types.some((t) => out.get(t)!.reason === 'app.json');
  if (!fromJson && !types.includes('web')) out.set(types[0]!, { quantity: 1, reason: 'first type' });
  return out;
}

/**
 * What the pusher is told about a first formation: nothing for the usual
 * `web=1`; the scale of a worker-only app and app.json's quantities; the
 * app.json types the release does not have. `formation`: the entries the
 * first deploy decided (types the user scaled already are not in it).
 */
export function initialScaleLines(release: Pick<Release, 'processTypes' | 'appJson'>, formation: FormationEntry[]): string[] {
  const first = initialQuantities(release);
  const lines: string[] = [];
  const chosen = [...first].find(([, v]) => v.reason === 'first type');
  if (chosen && formation.some((f) => f.type === chosen[0])) lines.push(`Scaled ${chosen[0]} to 1: the first process type of the Procfile (there is no web process)`);
  const json = formation.filter((f) => first.get(f.type)?.reason === 'app.json');
  if (json.length) lines.push(`Scaled ${json.map((f) => `${f.type}=${f.quantity}:${f.plan}`).join(', ')} as app.json's formation says`);
  const unknown = Object.keys(release.appJson?.formation ?? {}).filter((t) => !first.has(t));
  if (unknown.length) lines.push(`app.json's formation names ${unknown.join(', ')}, which this release does not declare: ignored`);
  return lines;
}

/**
 * Which buildpacks run, as an ordered list of small steps: each returns the
 * references to use, or null to pass; the first answer wins.
 *   1. the build request's explicit list (`--buildpack`),
 *   2. the app's `.buildpacks` file (one reference per line, `#` comments),
 *   3. the bundled list, every one of which is then detected in order.
 */
import { BUNDLED } from './resolve.js';

/** What selection looks at. */
export interface SelectInput {
  explicit: string[];
  /** Contents of the app's `.buildpacks`, or null when it has none. */
  dotBuildpacks: string | null;
}

/** The outcome: the references, and whether detection picks one of them (bundled) or all run (explicit). */
export interface Selection {
  refs: string[];
  mode: 'all' | 'first-detected';
  source: string;
}

type SelectStep = (input: SelectInput) => Selection | null;

const fromRequest: SelectStep = (i) => (i.explicit.length ? { refs: i.explicit, mode: 'all', source: 'the build request' } : null);

const fromDotBuildpacks: SelectStep = (i) => {
  const refs = (i.dotBuildpacks ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return refs.length ? { refs, mode: 'all', source: '.buildpacks' } : null;
};

const fromBundled: SelectStep = () => ({ refs: [...BUNDLED], mode: 'first-detected', source: 'the bundled list' });

/** The steps, in order. */
export const selectSteps: readonly SelectStep[] = [fromRequest, fromDotBuildpacks, fromBundled];

/** Run the steps; the first that answers decides. */
export function selectBuildpacks(input: SelectInput): Selection {
  for (const step of selectSteps) {
    const s = step(input);
    if (s) return s;
  }
  throw new Error('unreachable: the bundled list always answers');
}

/**
 * Which buildpacks run, as an ordered list of small steps: each returns the
 * references to use, or null to pass; the first answer wins.
 *   1. the build request's explicit list (`--buildpack`),
 *   2. the app's `.buildpacks` file (one reference per line, `#` comments),
 *   3. the bundled list, every one of which is then detected in order.
 */
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../lib/errors.js';
import { BUNDLED } from './resolve.js';

/** Largest `.buildpacks` read. */
const MAX_DOT_BUILDPACKS = 64 * 1024;

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

/**
 * The app's `.buildpacks`, or null when it has none. Read only as a regular
 * file of at most 64 KiB, opened without following a symlink (O_NOFOLLOW) and
 * without waiting on a FIFO: a link to a file of this host is an error that
 * names no target, never a read of it.
 */
export async function readDotBuildpacks(sourceDir: string): Promise<string | null> {
  const notRegular = () => invalid('.buildpacks must be a regular file (not a symlink, directory or device) of at most 64 KiB');
  const file = await fsp.open(path.join(sourceDir, '.buildpacks'), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) return null;
    if (isErrno(err, 'ELOOP') || isErrno(err, 'ENXIO')) throw notRegular();
    throw err;
  });
  if (file === null) return null;
  try {
    const st = await file.stat();
    if (!st.isFile() || st.size > MAX_DOT_BUILDPACKS) throw notRegular();
    const buf = Buffer.alloc(MAX_DOT_BUILDPACKS + 1);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_DOT_BUILDPACKS) throw notRegular();
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

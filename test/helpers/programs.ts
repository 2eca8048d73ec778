/**
 * How tests start the project's programs (tspaasd, the router, the CLI): by
 * default the sources through tsx, as a developer's edit is run at once.
 * With TSPAAS_TEST_BUILT=1 — scripts/test.sh sets it when setup.sh has just
 * built dist/ from these sources — the build, as an operator's install runs
 * it: tsx's loader costs each process about 0.7 s of CPU, and a full run
 * starts hundreds of them on two cores.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT = process.env.TSPAAS_TEST_BUILT === '1';

/** The project's programs, by their source path without `.ts`. */
export type Program = 'platform/main' | 'router/main' | 'cli/main' | 'cli/git-credential/main';

/** node's arguments that run `program`, before the program's own. */
export function programArgs(program: Program): string[] {
  if (!BUILT) return ['--import', import.meta.resolve('tsx'), path.join(REPO, `${program}.ts`)];
  const built = path.join(REPO, 'dist', `${program}.js`);
  if (!existsSync(built)) throw new Error(`TSPAAS_TEST_BUILT=1 but ${built} is missing: run npm run build`);
  return [built];
}

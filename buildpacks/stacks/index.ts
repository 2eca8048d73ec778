/**
 * Making and finding stack images through the engine (see types.ts):
 * `ensureStack` returns the image, building it on first use.
 */
import type { Engine } from '../../runtime/types.js';
import type { Image } from '../../runtime/images/types.js';
import { isKind, unavailable } from '../../lib/errors.js';
import { runContainer } from '../container.js';
import { buildStack, runStack } from './definitions.js';
import type { EnsureStackOptions, StackDefinition, Stacks } from './types.js';

export { buildStack, runStack } from './definitions.js';
export type { StackDefinition, Stacks, EnsureStackOptions } from './types.js';

/** The label recording which packages a stack image holds. */
export const PACKAGES_LABEL = 'io.tspaas.stack.packages';

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/** Both stacks, built when missing or out of date. */
export async function ensureStacks(engine: Engine, opts: EnsureStackOptions = {}): Promise<Stacks> {
  const build = await ensureStack(engine, buildStack, opts);
  const run = await ensureStack(engine, runStack, opts);
  return { build: build.repoTags[0] ?? buildStack.name, run: run.repoTags[0] ?? runStack.name };
}

/** One stack image: the stored one when current, else a new build. */
export async function ensureStack(engine: Engine, def: StackDefinition, opts: EnsureStackOptions = {}): Promise<Image> {
  if (!opts.rebuild) {
    const current = await engine.images.get(def.name).catch((err: unknown) => { if (isKind(err, 'NotFound')) return null; throw err; });
    if (current && current.config.config.Labels?.[PACKAGES_LABEL] === packageList(def)) return current;
  }
  return makeStack(engine, def, opts);
}

/** The package list as recorded in the label. */
export function packageList(def: StackDefinition): string {
  return [...def.packages].sort().join(' ');
}

/** The shell command that installs the packages and leaves no apt lists behind. */
export function installScript(def: StackDefinition): string {
  return [
    'set -e',
    'apt-get update',
    `apt-get install -y --no-install-recommends ${packageList(def)}`,
    'apt-get clean',
    'rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log',
  ].join('\n');
}

/** Base image, one apt-get container, commit, tag. */
async function makeStack(engine: Engine, def: StackDefinition, opts: EnsureStackOptions): Promise<Image> {
  const progress = opts.onProgress ?? (() => undefined);
  progress({ id: def.name, status: `Building ${def.name} from ${def.base} + ${def.packages.length} packages` });
  await engine.ensureImage(def.base, progress);
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const r = await runContainer(engine, {
    image: def.base, cmd: ['bash', '-c', installScript(def)], env: ['DEBIAN_FRONTEND=noninteractive'], labels: { 'io.tspaas.stack-build': def.name },
  }, (line) => progress({ id: def.name, status: line }), deadline);
  try {
    if (r.timedOut) throw unavailable(`building ${def.name} took longer than ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`);
    if (r.exitCode !== 0) throw unavailable(`building ${def.name} failed: apt-get exited with ${r.exitCode}`);
    const image = await engine.commitContainer(r.id, {
      tag: def.name,
      message: `tspaas stack: apt-get install ${packageList(def)}`,
      changes: { Env: [...def.env], Cmd: ['bash'], Labels: { [PACKAGES_LABEL]: packageList(def) } },
    });
    progress({ id: def.name, status: `Built ${def.name} (${image.id.slice(7, 19)})` });
    return image;
  } finally {
    await engine.removeContainer(r.id, { force: true }).catch(() => undefined);
  }
}

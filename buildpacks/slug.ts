/**
 * From a compiled /app to an image: the slug layer (a deterministic tar of
 * /app made by GNU tar inside the build container: names sorted, owner 0,
 * one fixed mtime), the launcher layer, and the image config on top of the
 * run stack.
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Engine } from '../runtime/types.js';
import type { ContainerConfig, Image, ImageConfig, Layer } from '../runtime/images/types.js';
import { unavailable } from '../lib/errors.js';
import { execStdout, type OnLine } from './container.js';
import { LABELS } from './types.js';

/** Every file of every slug gets this mtime (1980-01-01, as reproducible-builds tools use). */
export const SLUG_MTIME = 315532800;
export const LAUNCHER = '/tspaas/launcher';

/**
 * Issue 13 part 2: buildpack apps run as this non-root user, as Heroku's
 * dynos do, and own /app (their slug), so they can write there as on
 * Heroku; /tmp is the stack's (1777). Numeric, so no passwd entry is needed.
 */
export const APP_USER = { uid: 1000, gid: 1000 };

/** Sources `.profile.d/*.sh` and `.profile`, then runs the command: one argument through bash -c, several as given. */
const LAUNCHER_SCRIPT = `#!/bin/bash
# tspaas launcher: a classic buildpack app's environment, then the command.
export HOME=/app
cd /app || exit 1
for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done
unset f
[ -r /app/.profile ] && . /app/.profile
[ $# -eq 0 ] && exec bash
[ $# -eq 1 ] && exec bash -c "$1"
exec "$@"
`;

/** What to pack: `app` by default; `excludes` are member names left out (anchored, e.g. `app/node_modules`). */
export interface SlugPaths {
  paths?: string[];
  excludes?: string[];
}

/** The GNU tar command that writes /app (or parts of it) deterministically. */
export function slugTarCommand(what: SlugPaths = {}): string[] {
  const excludes = what.excludes?.length ? ['--anchored', ...what.excludes.map((e) => `--exclude=${e}`)] : [];
  return ['tar', '-C', '/', '--sort=name', `--mtime=@${SLUG_MTIME}`, `--owner=${APP_USER.uid}`, `--group=${APP_USER.gid}`, '--numeric-owner',
    '--format=gnu', ...excludes, '-cf', '-', ...(what.paths ?? ['app'])];
}

/** Stream /app (or the parts named) out of the build container into the store. */
export async function storeSlug(engine: Engine, id: string, onStderr: OnLine, what: SlugPaths = {}): Promise<Layer> {
  const { stdout, done } = await execStdout(engine, id, slugTarCommand(what), onStderr);
  const [layer, code] = await Promise.all([engine.images.putLayer(stdout), done]);
  if (code !== 0) throw unavailable(`packing /app failed (tar exit code ${code})`);
  return layer;
}

/** The launcher as its own tiny layer: the same bytes every time, so stored once. */
export async function storeLauncher(engine: Engine): Promise<Layer> {
  const pack = tar.pack();
  const mtime = new Date(SLUG_MTIME * 1000);
  pack.entry({ name: 'tspaas/', type: 'directory', mode: 0o755, mtime, uid: 0, gid: 0 });
  pack.entry({ name: 'tspaas/launcher', mode: 0o755, mtime, uid: 0, gid: 0 }, LAUNCHER_SCRIPT);
  pack.finalize();
  return engine.images.putLayer(Readable.from(pack));
}

/** What goes into the image besides the layers. */
export interface AppImageSpec {
  tag: string;
  processTypes: Record<string, string>;
  releaseCommand?: string;
  configVars: Record<string, string>;
  buildpacks: string[];
  /** Labels of the build request, added to the runner's own. */
  labels?: Record<string, string>;
}

/** Write the app image: run stack + launcher + slug. */
export async function writeAppImage(engine: Engine, runStack: Image, layers: Layer[], spec: AppImageSpec): Promise<Image> {
  const now = new Date().toISOString();
  const config: ImageConfig = {
    ...runStack.config,
    created: now,
    config: appConfig(runStack.config.config, spec),
    rootfs: { type: 'layers', diff_ids: [...runStack.config.rootfs.diff_ids, ...layers.map((l) => l.diffId)] },
    history: [
      ...(runStack.config.history ?? []),
      { created: now, created_by: 'tspaas buildpacks: launcher' },
      { created: now, created_by: `tspaas buildpacks: /app compiled by ${spec.buildpacks.join(', ')}` },
    ],
  };
  return engine.images.writeImage(config, [...runStack.layers, ...layers], [spec.tag]);
}

/** Env (stack, then PORT/HOME, then config vars), WorkingDir, the app user, launcher, default command, labels. */
export function appConfig(stack: ContainerConfig, spec: AppImageSpec): ContainerConfig {
  const env = new Map<string, string>();
  for (const e of [...(stack.Env ?? []), 'HOME=/app', 'PORT=5000', ...Object.entries(spec.configVars).map(([k, v]) => `${k}=${v}`)]) {
    const i = e.indexOf('=');
    env.set(e.slice(0, i), e.slice(i + 1));
  }
  const types = spec.processTypes;
  const main = types.web ?? Object.values(types)[0];
  const labels: Record<string, string> = { ...spec.labels, [LABELS.processTypes]: JSON.stringify(types), [LABELS.buildpacks]: spec.buildpacks.join(',') };
  for (const [k, v] of Object.entries(types)) labels[`${LABELS.processPrefix}${k}`] = v;
  if (spec.releaseCommand) labels[LABELS.release] = spec.releaseCommand;
  return {
    Env: [...env].map(([k, v]) => `${k}=${v}`),
    WorkingDir: '/app',
    User: `${APP_USER.uid}:${APP_USER.gid}`,
    Entrypoint: [LAUNCHER],
    Cmd: main ? [main] : ['bash'],
    ExposedPorts: { '5000/tcp': {} },
    Labels: labels,
  };
}

/**
 * Shared set-up of the registry tests: a real engine, a real docker-registry,
 * and images put into it by skopeo from an OCI layout our `image save` wrote.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Engine } from '../../../runtime/types.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { startRegistry, type RegistryOptions, type TestRegistry } from '../../helpers/registry.js';

export const execFileP = promisify(execFile);

export interface Env {
  te: TestEngine;
  engine: Engine;
  reg: TestRegistry;
  /** A temp dir removed at the end. */
  dir: string;
  /** Stop the registry, clean the engine, remove the dir (call from `test.after.always`). */
  stop(): Promise<void>;
}

/** Engine + registry + temp dir for one test file. */
export async function startEnv(opts: RegistryOptions = {}): Promise<Env> {
  const [te, reg, dir] = await Promise.all([startTestEngine(), startRegistry(opts), mkdtemp(path.join(os.tmpdir(), 'tsp-reg-test-'))]);
  const stop = async () => {
    await reg.stop();
    await te.cleanup();
    await rm(dir, { recursive: true, force: true });
  };
  return { te, engine: te.engine, reg, dir, stop };
}

/** Write `ref` with our `image save` and unpack the tar: `<layout dir>:<tag>` (its ref.name is the tag), as skopeo's `oci:` names it. */
export async function saveLayout(engine: Engine, ref: string, dir: string): Promise<string> {
  const layout = await mkdtemp(path.join(dir, 'layout-'));
  const out = new PassThrough();
  const written = pipeline(out, createWriteStream(path.join(layout, 'save.tar')));
  await engine.images.save([ref], out);
  out.end();
  await written;
  await mkdir(path.join(layout, 'oci'));
  await execFileP('tar', ['-xf', path.join(layout, 'save.tar'), '-C', path.join(layout, 'oci')]);
  return `${path.join(layout, 'oci')}:${ref.slice(ref.lastIndexOf(':') + 1)}`;
}

/** `skopeo copy` from a local OCI layout into the test registry, e.g. `--format v2s2`. */
export async function skopeoPush(layout: string, target: string, args: string[] = []): Promise<void> {
  await execFileP('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...args, `oci:${layout}`, `docker://${target}`]);
}

/** `skopeo inspect` of a registry image (raw manifest with `--raw`; `creds` as `user:password`). */
export async function skopeoInspect(target: string, raw = false, creds?: string): Promise<Record<string, unknown>> {
  const { stdout } = await execFileP('skopeo', ['inspect', '--tls-verify=false', ...(raw ? ['--raw'] : []), ...(creds ? ['--creds', creds] : []), `docker://${target}`]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Blob files of the engine's image store (to prove a failed pull stored nothing). */
export async function storeBlobs(te: TestEngine): Promise<string[]> {
  const { stdout } = await execFileP('find', [path.join(te.config.root, 'images'), '-type', 'f', '-not', '-path', '*/tmp/*']);
  return stdout.split('\n').filter(Boolean).sort();
}

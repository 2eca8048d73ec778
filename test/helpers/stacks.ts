/**
 * Stack images shared between test engines. Stacks take minutes to make
 * (mmdebstrap + apt-get over the network), so the first test that needs them
 * builds them once and saves them as a `docker save` tar under
 * /var/tmp/tspaas-test-cache/; every later engine (in this or any other test
 * process) loads that tar. A lock directory makes concurrent test files wait
 * for one build instead of making their own. The file name carries a hash of
 * the stack definitions, so changing a package list builds new stacks.
 *
 * Loading that 1.1 GB tar and unpacking the build stack at its first
 * container took about 35 s per engine. `seedStacks` instead fills a new
 * engine root, before the engine opens it, with btrfs snapshots of a
 * template root in which both stacks are loaded and unpacked (made once per
 * stack definition, on the tests' quota filesystem): a fraction of a second.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { run } from '../../lib/exec.js';
import type { Engine } from '../../runtime/types.js';
import { buildStack, ensureStacks, runStack, type Stacks } from '../../buildpacks/stacks/index.js';
import { startTestEngine } from './engine.js';

export const TEST_CACHE = '/var/tmp/tspaas-test-cache';
/** The host's CA bundle, given to build containers (outbound HTTPS may go through a proxy with its own CA). */
export const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
const STALE_LOCK_MS = 40 * 60 * 1000;

/** The cache file of the current stack definitions. */
export function stacksTarPath(): string {
  const key = createHash('sha256').update(JSON.stringify([buildStack, runStack])).digest('hex').slice(0, 12);
  return path.join(TEST_CACHE, `stacks-${key}.tar`);
}

/** Put both stacks into `engine`: loaded from the shared cache, or built once and saved there. */
export async function provideStacks(engine: Engine, log: (line: string) => void = () => undefined): Promise<Stacks> {
  const tar = stacksTarPath();
  await fsp.mkdir(TEST_CACHE, { recursive: true });
  if (!(await exists(tar))) {
    await withLock(`${tar}.lock`, async () => {
      if (await exists(tar)) return;
      await ensureStacks(engine, { onProgress: (p) => log(p.status) });
      const tmp = `${tar}.${process.pid}.tmp`;
      const out = createWriteStream(tmp);
      await engine.images.save([buildStack.name, runStack.name], out);
      if (!out.writableFinished) await finished(out);
      await fsp.rename(tmp, tar);
    });
  }
  const have = await engine.images.get(buildStack.name).then(() => true, () => false);
  if (!have) await engine.images.load(createReadStream(tar));
  return ensureStacks(engine);
}

/** The engine state directories a seeded root gets from the template. */
const SEEDED = ['images', 'snapshots'];

const BTRFS_MAGIC = 0x9123683e;

/**
 * Fill `root` (not yet opened by an engine) with both stacks, loaded and unpacked: snapshots of the template.
 * Off btrfs (the template and the root share the tests' TMPDIR) it does nothing, and provideStacks loads the tar.
 */
export async function seedStacks(root: string): Promise<void> {
  await fsp.mkdir(root, { recursive: true });
  if ((await fsp.statfs(root)).type !== BTRFS_MAGIC) return;
  const template = await stackTemplate();
  for (const dir of SEEDED) await btrfs('subvolume', 'snapshot', path.join(template, dir), path.join(root, dir));
}

/** The template root of the current stack definitions (read-only subvolumes), made once under a lock. */
async function stackTemplate(): Promise<string> {
  const template = path.join(os.tmpdir(), `tspaas-${path.basename(stacksTarPath(), '.tar')}`);
  const ready = path.join(template, 'ready');
  if (await exists(ready)) return template;
  await withLock(`${template}.lock`, async () => {
    if (await exists(ready)) return;
    await removeTemplate(template); // a half-made one
    for (const old of await fsp.readdir(os.tmpdir())) { // templates of stack definitions that changed since
      if (/^tspaas-stacks-[0-9a-f]{12}$/.test(old) && path.join(os.tmpdir(), old) !== template) await removeTemplate(path.join(os.tmpdir(), old));
    }
    const te = await startTestEngine({
      async seed(root) {
        await fsp.mkdir(root, { recursive: true });
        for (const dir of SEEDED) await btrfs('subvolume', 'create', path.join(root, dir));
      },
    });
    try {
      const stacks = await provideStacks(te.engine);
      for (const image of [stacks.build, stacks.run]) {
        const c = await te.engine.createContainer({ image, cmd: ['true'] }); // unpacks the image's layers
        await te.engine.removeContainer(c.record.id, { force: true });
      }
      await fsp.mkdir(template, { recursive: true });
      for (const dir of SEEDED) await btrfs('subvolume', 'snapshot', '-r', path.join(te.config.root, dir), path.join(template, dir));
      await fsp.writeFile(ready, '');
    } finally {
      await te.cleanup();
    }
  });
  return template;
}

async function removeTemplate(template: string): Promise<void> {
  for (const dir of SEEDED) {
    if (await exists(path.join(template, dir))) await btrfs('subvolume', 'delete', path.join(template, dir));
  }
  await fsp.rm(template, { recursive: true, force: true });
}

async function btrfs(...args: string[]): Promise<void> {
  const r = await run('btrfs', args);
  if (r.code !== 0) throw new Error(`btrfs ${args.join(' ')}: ${r.stderr.trim()}`);
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

/** Run `fn` holding a lock directory; a lock older than STALE_LOCK_MS is taken over. */
async function withLock(lock: string, fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      await fsp.mkdir(lock);
      break;
    } catch {
      const st = await fsp.stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) await fsp.rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    await fn();
  } finally {
    await fsp.rm(lock, { recursive: true, force: true });
  }
}

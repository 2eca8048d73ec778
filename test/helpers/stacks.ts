/**
 * Stack images shared between test engines. Stacks take minutes to make
 * (mmdebstrap + apt-get over the network), so the first test that needs them
 * builds them once and saves them as a `docker save` tar under
 * /var/tmp/tspaas-test-cache/; every later engine (in this or any other test
 * process) loads that tar. A lock directory makes concurrent test files wait
 * for one build instead of making their own. The file name carries a hash of
 * the stack definitions, so changing a package list builds new stacks.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Engine } from '../../runtime/types.js';
import { buildStack, ensureStacks, runStack, type Stacks } from '../../buildpacks/stacks/index.js';

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

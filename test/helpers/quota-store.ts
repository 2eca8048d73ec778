/**
 * Loaded by ava before every test file (ava.config.js, `require`): the
 * tests' temporary roots — and so every test engine's storage — live on the
 * quota filesystem `scripts/setup.sh --test` mounts at /var/lib/tspaas-test
 * (scripts/quota-store.sh), so every test container runs with a real disk
 * quota as production's do. Without that mount the run stops here, saying how
 * to make it, rather than test an engine that cannot bound disk.
 */
import { mkdirSync, chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountOf } from '../../runtime/quota/detect.js';

/** Where setup.sh --test mounts the tests' quota filesystem. */
export const TEST_QUOTA_STORE = '/var/lib/tspaas-test';

const mount = mountOf(readFileSync('/proc/self/mountinfo', 'utf8'), TEST_QUOTA_STORE);
const quotaCapable = mount?.mountPoint === TEST_QUOTA_STORE && (mount.fsType === 'btrfs' || (mount.fsType === 'xfs' && mount.options.some((o) => o === 'prjquota' || o === 'pquota')));
if (!quotaCapable) {
  throw new Error(`${TEST_QUOTA_STORE} is not a quota filesystem (found ${mount ? `${mount.fsType} at ${mount.mountPoint}` : 'nothing'}): run \`bash scripts/setup.sh --test\` (or \`bash scripts/quota-store.sh ${TEST_QUOTA_STORE}\`) first`);
}
const tmp = path.join(TEST_QUOTA_STORE, 'tmp');
mkdirSync(tmp, { recursive: true });
chmodSync(tmp, 0o1777);
process.env.TMPDIR = tmp;

/**
 * A quota filesystem of the test's own (scripts/quota-store.sh --own: a
 * sparse image, loop-mounted with quotas on), for tests that measure free
 * space: on the shared store, other test files write meanwhile. `fs`
 * insists on one filesystem (default: XFS where the kernel can, else btrfs).
 */
export async function privateQuotaStore(size = '1G', fs?: 'btrfs' | 'xfs'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const base = await mkdtemp(path.join(tmp, 'own-store-'));
  const dir = path.join(base, 'mnt');
  const script = fileURLToPath(new URL('../../scripts/quota-store.sh', import.meta.url));
  await run('bash', [script, '--own', dir, path.join(base, 'store.img')], { env: { ...process.env, TSPAAS_STORAGE_SIZE: size, ...(fs ? { TSPAAS_STORAGE_FS: fs } : {}) } });
  return {
    dir,
    async cleanup() {
      await run('umount', ['-l', dir]).catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}

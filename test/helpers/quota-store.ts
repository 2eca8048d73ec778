/**
 * Loaded by ava before every test file (package.json "ava.require"): the
 * tests' temporary roots — and so every test engine's storage — live on the
 * quota filesystem `scripts/setup.sh --test` mounts at /var/lib/tspaas-test
 * (scripts/quota-store.sh), so every test container runs with a real disk
 * quota as production's do. Without that mount the run stops here, saying how
 * to make it, rather than test an engine that cannot bound disk.
 */
import { mkdirSync, chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

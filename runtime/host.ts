/**
 * Host facts the engine depends on, and the one-time preparation of a host
 * (used by the setup script and at engine start).
 *
 * `prepareHost` runs an ordered list of small idempotent steps; each checks
 * the host first and acts only when needed, so running it again is a no-op.
 * It needs root (CAP_SYS_ADMIN for mounts, CAP_NET_ADMIN for sysctls).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno, unavailable } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import { findBinary } from '../lib/binaries.js';
import { canRunCrun, detectCgroups, hybridUnifiedControllers } from './containers/cgroups.js';

/** Limits of this process that containers must stay within. */
export interface HostLimits {
  /** Hard RLIMIT_NOFILE of the engine (rlimits above it cannot be granted without CAP_SYS_RESOURCE). */
  nofileHard: number;
  /** Capability bounding set of the engine (bit n = capability n). */
  capBoundingMask: bigint;
}

/** What `prepareHost` changed; empty when the host was ready. */
export interface PrepareReport {
  actions: string[];
}

/** A step of host preparation: returns a description of what it did, or null when nothing was needed. */
type PrepareStep = () => Promise<string | null>;

/** The OCI runtime binary to use. */
export interface RuntimeChoice {
  name: 'crun' | 'runc';
  path: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Read the engine's own limits from /proc/self. */
export async function readHostLimits(): Promise<HostLimits> {
  const [limits, status] = await Promise.all([
    fsp.readFile('/proc/self/limits', 'utf8'),
    fsp.readFile('/proc/self/status', 'utf8'),
  ]);
  const bnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status);
  if (!bnd) throw unavailable('/proc/self/status has no CapBnd');
  return { nofileHard: parseNofileHard(limits), capBoundingMask: BigInt(`0x${bnd[1]}`) };
}

/** Hard "Max open files" of a /proc/<pid>/limits text ("unlimited" → MAX_SAFE_INTEGER). */
export function parseNofileHard(limitsText: string): number {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  if (!m) throw unavailable('cannot find "Max open files" in /proc/self/limits');
  return m[2] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
}

/** The steps of `prepareHost`, in order. */
const prepareSteps: PrepareStep[] = [enableIpForward, releaseHybridControllers, loadOverlay];

/** Make this host able to run containers; idempotent. Returns what was changed. */
export async function prepareHost(): Promise<PrepareReport> {
  const actions: string[] = [];
  for (const step of prepareSteps) {
    const done = await step();
    if (done) actions.push(done);
  }
  return { actions };
}

/** Containers reach the outside through NAT, which needs IPv4 forwarding. */
async function enableIpForward(): Promise<string | null> {
  const file = '/proc/sys/net/ipv4/ip_forward';
  if ((await fsp.readFile(file, 'utf8')).trim() === '1') return null;
  await fsp.writeFile(file, '1\n');
  return 'enabled net.ipv4.ip_forward';
}

/**
 * On a hybrid host whose cgroup2 tree owns controllers (often only
 * `hugetlb`), crun refuses to run. Mounting those controllers as v1
 * hierarchies moves them out of cgroup2, which leaves it empty.
 */
async function releaseHybridControllers(): Promise<string | null> {
  const layout = await detectCgroups();
  const controllers = await hybridUnifiedControllers(layout);
  if (controllers.length === 0) return null;
  for (const ctrl of controllers) {
    await disableInSubtree(layout.unified!, ctrl);
    await mountV1Controller(ctrl);
  }
  if (!(await canRunCrun())) {
    throw unavailable(`cgroup2 still owns controllers after mounting ${controllers.join(', ')} as cgroup v1`);
  }
  return `mounted cgroup v1 controller(s) ${controllers.join(', ')} under ${CGROUP_ROOT} (moved out of cgroup2)`;
}

/** A controller enabled for the children of the cgroup2 root cannot move to v1: disable it there first. */
async function disableInSubtree(unified: string, ctrl: string): Promise<void> {
  const file = path.join(unified, 'cgroup.subtree_control');
  const enabled = (await fsp.readFile(file, 'utf8')).split(/\s+/);
  if (enabled.includes(ctrl)) await fsp.writeFile(file, `-${ctrl}`);
}

async function mountV1Controller(ctrl: string): Promise<void> {
  const target = path.join(CGROUP_ROOT, ctrl);
  try {
    await fsp.mkdir(target, { recursive: true });
  } catch (err) {
    if (!isErrno(err, 'EROFS')) throw err;
    // systemd mounts the /sys/fs/cgroup tmpfs read-only: open it just for the mkdir.
    await run('mount', ['-o', 'remount,rw', CGROUP_ROOT]);
    try {
      await fsp.mkdir(target, { recursive: true });
    } finally {
      await run('mount', ['-o', 'remount,ro', CGROUP_ROOT]);
    }
  }
  await run('mount', ['-t', 'cgroup', '-o', ctrl, 'cgroup', target]);
}

/** Container roots are overlayfs mounts. */
async function loadOverlay(): Promise<string | null> {
  if (/\toverlay$/m.test(await fsp.readFile('/proc/filesystems', 'utf8'))) return null;
  await run('modprobe', ['overlay']);
  return 'loaded the overlay kernel module';
}

/**
 * Pick the OCI runtime: `auto` takes crun when it is installed and works on
 * this host's cgroups, else runc. `Unavailable` (saying what to install or
 * run) when the wanted runtime cannot be used.
 */
export async function chooseRuntime(pref: 'crun' | 'runc' | 'auto'): Promise<RuntimeChoice> {
  const [crun, runc] = await Promise.all([findBinary('crun'), findBinary('runc')]);
  const crunWorks = crun !== null && (await canRunCrun(await detectCgroups()));
  if (pref === 'crun' || (pref === 'auto' && crunWorks)) {
    if (!crun) throw unavailable('crun is not installed; install it with "apt-get install crun" or choose runc');
    if (!crunWorks) {
      throw unavailable('crun cannot run on this host: cgroup2 owns controllers in hybrid mode; run the host setup (prepareHost) or choose runc');
    }
    return { name: 'crun', path: crun };
  }
  if (runc) return { name: 'runc', path: runc };
  throw unavailable(pref === 'runc'
    ? 'runc is not installed; install it with "apt-get install runc"'
    : 'no usable OCI runtime; install one with "apt-get install crun" or "apt-get install runc"');
}

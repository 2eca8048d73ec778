/**
 * Seccomp profiles: load one in the containers-common / Docker JSON format
 * and resolve it into the OCI `linux.seccomp` object for one container.
 *
 * The source format is a *template*: rules carry conditions that only make
 * sense once the target is known.
 * - `archMap` lists, per native architecture, the sub-architectures whose
 *   syscalls must also be filtered (x86_64 also runs i386 and x32 code);
 *   only the host's entry is kept. Old profiles give `architectures` instead.
 * - `syscalls[].includes` keeps a rule only when *all* of its `caps` are in
 *   the container's capability set, the host's architecture is one of its
 *   `arches` (Go names: amd64, arm64…), and the kernel is at least
 *   `minKernel`. `excludes` drops a rule when *any* of its `caps` is in the
 *   set or the architecture is one of its `arches`.
 * - `names` (or the old single `name`), `action`, `errnoRet` and `args` are
 *   copied as they are; `defaultAction`/`defaultErrnoRet` too.
 *
 * The capability set is the container's bounding set (as Docker uses), so a
 * rule gated on CAP_SYS_ADMIN applies exactly when the container could use it.
 */
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, isErrno, unavailable } from '../../lib/errors.js';

/** Where Debian's golang-github-containers-common installs its profile (looser than Docker's: see seccomp/README.md). */
export const CONTAINERS_COMMON_SECCOMP_PROFILE = '/usr/share/containers/seccomp.json';

/** The profile shipped with tspaas, with Docker's default profile's rules (seccomp/README.md); also found from dist/. */
export const DEFAULT_SECCOMP_PROFILE = shippedProfile();

function shippedProfile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'seccomp', 'default.json');
  return existsSync(beside) ? beside : path.resolve(here, '../../../runtime/containers/seccomp/default.json');
}

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** When a rule applies (see the file comment). */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** One rule of a profile template. */
export interface SeccompRule {
  names?: string[];
  /** Old single-name form. */
  name?: string;
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
  comment?: string;
}

/** A profile in the containers-common / Docker format. */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[] | null;
  flags?: string[];
  syscalls?: SeccompRule[] | null;
}

/** The OCI runtime spec's `linux.seccomp`. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  flags?: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[] }[];
}

/** What a profile is resolved for. */
export interface SeccompTarget {
  /** Capability names with the CAP_ prefix (the container's bounding set). */
  caps: readonly string[];
  /** Go architecture name (amd64, arm64…); default: this host's. */
  arch?: string;
  /** Kernel release, e.g. "6.1.0-18-amd64"; default: this host's. */
  kernel?: string;
}

/** Node's `process.arch` → Go's GOARCH, which profiles use in `arches`. */
const GO_ARCH: Record<string, string> = {
  x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x',
  ppc64: 'ppc64le', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64',
};

/** GOARCH → libseccomp's native architecture name. */
const NATIVE_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', '386': 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM',
  s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64',
  mips64le: 'SCMP_ARCH_MIPSEL64', loong64: 'SCMP_ARCH_LOONGARCH64',
};

const cache = new Map<string, Promise<SeccompProfile>>();

/** This host's architecture as Go (and seccomp profiles) name it. */
export function hostGoArch(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}

/**
 * Load and parse a profile file, cached per path for the life of the process.
 * A missing file is `Unavailable` (naming the Debian package), a malformed
 * one `Invalid`.
 */
export function loadSeccompProfile(file: string = DEFAULT_SECCOMP_PROFILE): Promise<SeccompProfile> {
  let p = cache.get(file);
  if (!p) {
    p = readProfile(file);
    cache.set(file, p);
    p.catch(() => cache.delete(file)); // a failed load is retried next time
  }
  return p;
}

async function readProfile(file: string): Promise<SeccompProfile> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const hint = file === CONTAINERS_COMMON_SECCOMP_PROFILE ? '; install it with "apt-get install golang-github-containers-common"' : '';
    if (isErrno(err, 'ENOENT')) throw unavailable(`seccomp profile ${file} not found${hint}`, err);
    throw unavailable(`cannot read seccomp profile ${file}: ${(err as Error).message}`, err);
  }
  return parseSeccompProfile(text, `seccomp profile ${file}`);
}

const ACTIONS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

/**
 * Parse and check a profile's JSON text (a file's, or the content Docker's
 * CLI sends in `seccomp=<json>`): actions and comparison operators must be
 * ones the runtimes know, so a bad profile is refused here, not at start.
 * `what` names the source in the `Invalid` error.
 */
export function parseSeccompProfile(text: string, what: string): SeccompProfile {
  let profile: SeccompProfile;
  try {
    profile = JSON.parse(text) as SeccompProfile;
  } catch (err) {
    throw invalid(`${what} is not valid JSON: ${(err as Error).message}`, err);
  }
  if (typeof profile !== 'object' || profile === null || typeof profile.defaultAction !== 'string') throw invalid(`${what} has no defaultAction`);
  if (!ACTIONS.has(profile.defaultAction)) throw invalid(`${what}: unknown action "${profile.defaultAction}"`);
  for (const rule of profile.syscalls ?? []) {
    if (!ACTIONS.has(rule?.action)) throw invalid(`${what}: unknown action "${rule?.action}"`);
    const badOp = (rule.args ?? []).find((a) => !OPS.has(a?.op));
    if (badOp) throw invalid(`${what}: unknown comparison "${badOp.op}"`);
  }
  return profile;
}

/** Resolve a profile template into the OCI `linux.seccomp` for one container (see the file comment). */
export function resolveSeccomp(profile: SeccompProfile, target: SeccompTarget): OciSeccomp {
  const arch = target.arch ?? hostGoArch();
  const kernel = target.kernel ?? os.release();
  const caps = new Set(target.caps);
  const out: OciSeccomp = {
    defaultAction: profile.defaultAction,
    architectures: resolveArchitectures(profile, arch),
    syscalls: [],
  };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) out.flags = [...profile.flags];
  for (const rule of profile.syscalls ?? []) {
    if (!ruleApplies(rule, caps, arch, kernel)) continue;
    const names = rule.names?.length ? [...rule.names] : rule.name ? [rule.name] : [];
    if (names.length === 0) throw invalid('seccomp rule without names');
    const syscall: OciSeccomp['syscalls'][number] = { names, action: rule.action };
    if (rule.errnoRet !== undefined) syscall.errnoRet = rule.errnoRet;
    if (rule.args?.length) syscall.args = rule.args.map((a) => ({ ...a }));
    out.syscalls.push(syscall);
  }
  return out;
}

function resolveArchitectures(profile: SeccompProfile, arch: string): string[] {
  const native = NATIVE_ARCH[arch];
  if (profile.archMap?.length) {
    const entry = profile.archMap.find((a) => a.architecture === native);
    return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  }
  return [...(profile.architectures ?? [])];
}

/** True when a rule's includes all hold and none of its excludes does. */
export function ruleApplies(rule: SeccompRule, caps: ReadonlySet<string>, arch: string, kernel: string): boolean {
  const inc = rule.includes ?? {};
  const exc = rule.excludes ?? {};
  if (inc.arches?.length && !inc.arches.includes(arch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && compareKernel(kernel, inc.minKernel) < 0) return false;
  if (exc.arches?.length && exc.arches.includes(arch)) return false;
  if (exc.caps?.length && exc.caps.some((c) => caps.has(c))) return false;
  return true;
}

/** Compare kernel versions numerically by major.minor(.patch); suffixes ("-18-amd64") are ignored. */
export function compareKernel(a: string, b: string): number {
  const parse = (v: string) => (v.match(/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/) ?? []).slice(1, 4).map((x) => Number(x ?? 0));
  const [pa, pb] = [parse(a), parse(b)];
  if (pa.length === 0 || pb.length === 0) throw invalid(`cannot compare kernel versions "${a}" and "${b}"`);
  for (let i = 0; i < 3; i++) {
    if (pa[i] !== pb[i]) return pa[i] - pb[i];
  }
  return 0;
}

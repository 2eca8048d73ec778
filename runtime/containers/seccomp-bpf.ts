/**
 * Precompiled seccomp filters for crun.
 *
 * crun compiles the spec's `linux.seccomp` with libseccomp on every create,
 * which costs about as much as the rest of starting a container. crun also
 * takes a ready BPF program (`run.oci.seccomp_bpf_data`, base64) and then
 * skips its own compile. We compile each distinct resolved profile once, with
 * libseccomp itself (its Python bindings, Debian's python3-seccomp), following
 * the runtimes' translation rules: an unknown syscall is skipped; when several
 * conditions name the same argument, each becomes its own rule (as runc does).
 * Results are cached in memory and on disk, keyed by the profile's hash.
 *
 * When the bindings are missing or a compile fails, the caller leaves the
 * compile to the runtime: slower, never weaker.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { isErrno } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/fs.js';
import { findBinary } from '../../lib/binaries.js';
import type { OciSeccomp } from './seccomp.js';

/** The annotation crun reads a precompiled filter from. */
export const CRUN_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

const COMPILER = String.raw`
import sys, json, base64, tempfile, seccomp
spec = json.load(sys.stdin)
ACTIONS = {'SCMP_ACT_ALLOW': lambda r: seccomp.ALLOW, 'SCMP_ACT_KILL': lambda r: seccomp.KILL,
  'SCMP_ACT_KILL_THREAD': lambda r: seccomp.KILL, 'SCMP_ACT_KILL_PROCESS': lambda r: seccomp.KILL_PROCESS,
  'SCMP_ACT_TRAP': lambda r: seccomp.TRAP, 'SCMP_ACT_LOG': lambda r: seccomp.LOG,
  'SCMP_ACT_ERRNO': lambda r: seccomp.ERRNO(1 if r is None else r), 'SCMP_ACT_TRACE': lambda r: seccomp.TRACE(r or 0)}
OPS = {'SCMP_CMP_NE': seccomp.NE, 'SCMP_CMP_LT': seccomp.LT, 'SCMP_CMP_LE': seccomp.LE, 'SCMP_CMP_EQ': seccomp.EQ,
  'SCMP_CMP_GE': seccomp.GE, 'SCMP_CMP_GT': seccomp.GT, 'SCMP_CMP_MASKED_EQ': seccomp.MASKED_EQ}
f = seccomp.SyscallFilter(ACTIONS[spec['defaultAction']](spec.get('defaultErrnoRet')))
for a in spec.get('architectures', []):
    arch = getattr(seccomp.Arch, a.replace('SCMP_ARCH_', ''))
    if not f.exist_arch(arch): f.add_arch(arch)
def known(name):
    # -1 is libseccomp's "no such syscall"; other negatives are pseudo-numbers for other arches.
    try: return seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) != -1
    except ValueError: return False
for rule in spec.get('syscalls', []):
    act = ACTIONS[rule['action']](rule.get('errnoRet'))
    args = [seccomp.Arg(a['index'], OPS[a['op']], a['value'], a.get('valueTwo', 0)) for a in rule.get('args') or []]
    idx = [a['index'] for a in rule.get('args') or []]
    groups = [args] if len(set(idx)) == len(idx) else [[a] for a in args]
    for name in rule['names']:
        if not known(name): continue
        for g in groups: f.add_rule(act, name, *g)
with tempfile.TemporaryFile() as t:
    f.export_bpf(t); t.seek(0); sys.stdout.write(base64.b64encode(t.read()).decode())
`;

const memory = new Map<string, Promise<string | null>>();

/** The base64 BPF program of a resolved profile, or null when it cannot be compiled here. */
export function compiledSeccomp(profile: OciSeccomp, cacheDir: string): Promise<string | null> {
  const json = JSON.stringify(profile);
  const file = path.join(cacheDir, `${createHash('sha256').update(json).digest('hex')}.bpf64`);
  let p = memory.get(file);
  if (!p) {
    p = loadOrCompile(json, file);
    memory.set(file, p);
  }
  return p;
}

async function loadOrCompile(json: string, file: string): Promise<string | null> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  // Debian's interpreter, where python3-seccomp lives (not whatever python3 is first on PATH).
  const python = await findBinary('python3');
  if (!python) return null;
  const r = await run(python, ['-c', COMPILER], { input: json, allowFailure: true }).catch(() => null);
  if (!r || r.code !== 0 || r.stdout.length === 0) return null;
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, r.stdout);
  return r.stdout;
}

/**
 * `--security-opt` as Docker's daemon reads `HostConfig.SecurityOpt`.
 *
 * Each entry is `key=value` (`key:value` is Docker's deprecated spelling,
 * still accepted), or the bare `no-new-privileges`:
 * - `seccomp=builtin` (or absent): the engine's profile; `seccomp=unconfined`:
 *   no filter; anything else is the profile's JSON content, which is what
 *   Docker's CLI sends after reading `--security-opt seccomp=<file>` (the
 *   daemon never reads a file named by the client).
 * - `no-new-privileges[=bool]` with Go's boolean spellings (1, t, true, TRUE…).
 * - `apparmor=unconfined` and `label=disable` ask for what this engine does
 *   anyway (it applies neither AppArmor nor SELinux) and are accepted; any
 *   other AppArmor profile or SELinux label is refused rather than ignored.
 * Anything else is `Invalid` with Docker's wording ("invalid --security-opt: …").
 *
 * Defaults: the engine's seccomp profile, and no-new-privileges ON (Docker's
 * default is off; see docs/engine.md).
 */
import { invalid } from '../../lib/errors.js';
import { parseSeccompProfile, type SeccompProfile } from './seccomp.js';

/** What a container's security options come to. */
export interface SecurityOptions {
  /** "default" = the engine's profile; null = unconfined; else the given profile. */
  seccomp: 'default' | SeccompProfile | null;
  noNewPrivileges: boolean;
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Parse Docker's SecurityOpt list (see the file comment); throws `Invalid` on an entry Docker would refuse. */
export function parseSecurityOpts(opts: readonly string[] | undefined): SecurityOptions {
  const out: SecurityOptions = { seccomp: 'default', noNewPrivileges: true };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    const [key, value] = splitOpt(opt);
    if (key === 'seccomp') out.seccomp = seccompOption(value);
    else if (key === 'no-new-privileges') out.noNewPrivileges = parseBool(value, opt);
    else if (key === 'apparmor') checkNoop(opt, value, 'unconfined', 'AppArmor profiles are not applied by this engine');
    else if (key === 'label') checkNoop(opt, value, 'disable', 'SELinux labels are not applied by this engine');
    else throw invalid(`invalid --security-opt: "${opt}": use seccomp=…, no-new-privileges[=true|false], apparmor=unconfined or label=disable`);
  }
  return out;
}

function splitOpt(opt: string): [string, string] {
  const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
  const i = sep ? opt.indexOf(sep) : -1;
  if (i < 0) throw invalid(`invalid --security-opt: "${opt}": use key=value`);
  return [opt.slice(0, i), opt.slice(i + 1)];
}

function seccompOption(value: string): SecurityOptions['seccomp'] {
  if (value === 'unconfined') return null;
  if (value === 'builtin' || value === '') return 'default';
  if (!value.trimStart().startsWith('{')) {
    throw invalid(`invalid --security-opt: seccomp=${value}: give "unconfined", "builtin" or the profile's JSON (the docker and tspaas CLIs read a file for you)`);
  }
  return parseSeccompProfile(value, 'seccomp profile in --security-opt');
}

function parseBool(value: string, opt: string): boolean {
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw invalid(`invalid --security-opt: "${opt}": no-new-privileges takes true or false`);
}

function checkNoop(opt: string, value: string, accepted: string, why: string): void {
  if (value !== accepted) throw invalid(`invalid --security-opt: "${opt}": ${why} (only "${accepted}" is accepted)`);
}

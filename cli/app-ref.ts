/**
 * Which app a command is about, as piku's and Heroku's clients find it:
 * `-a/--app APP`, else the `tspaas` git remote of the repo in the current
 * directory (`…/git/<app>.git`). Also the git side of `apps:create` and
 * `git:remote`: the remote, and the repo-local credential helper that gives
 * git the platform token (`tspaas git:credential`), so no remote URL holds a
 * secret.
 */
import { execFile } from 'node:child_process';
import { PlatformError } from './platform-client.js';

export const REMOTE = 'tspaas';

interface GitResult { code: number; stdout: string; stderr: string }

/** Run git in `cwd`; never throws for a non-zero exit (the caller decides). */
export function git(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (err && code === -1) return reject(new PlatformError('Unavailable', `cannot run git: ${err.message}`, 'install git'));
      resolve({ code, stdout, stderr });
    });
  });
}

/** The app named by a git URL `…/git/<app>.git`, or null. */
export function appFromGitUrl(url: string): string | null {
  return /\/git\/([a-z0-9][a-z0-9-]*)\.git\/?$/i.exec(url.trim())?.[1] ?? null;
}

/** The URL of `remote` in the repo at `cwd`, or null (no repo, no such remote). */
export async function remoteUrl(cwd: string, remote = REMOTE): Promise<string | null> {
  const r = await git(cwd, ['config', '--get', `remote.${remote}.url`]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** The app of a command: `explicit` (-a), else from the `tspaas` remote; a clear error with a hint when neither. */
export async function resolveApp(cwd: string, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const url = await remoteUrl(cwd);
  const app = url ? appFromGitUrl(url) : null;
  if (app) return app;
  throw new PlatformError('Invalid', url ? `the git remote "${REMOTE}" (${url}) does not name an app` : 'no app given',
    `name it with -a APP, or run the command in the app's git repo (add its remote with \`tspaas git:remote -a APP\`)`);
}

/** True when `cwd` is inside a git work tree. */
export async function insideWorkTree(cwd: string): Promise<boolean> {
  const r = await git(cwd, ['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout.trim() === 'true';
}

/** Point `remote` of the repo at `url` (added, or changed when it exists). */
export async function setRemote(cwd: string, remote: string, url: string): Promise<void> {
  const exists = (await remoteUrl(cwd, remote)) !== null;
  await mustGit(cwd, ['remote', exists ? 'set-url' : 'add', remote, url]);
}

/**
 * In the repo's local config, make `helper` the only credential helper for
 * `platform` (an empty entry first resets helpers from other config files)
 * and drop `useHttpPath` so the one token answers for every app.
 */
export async function setCredentialHelper(cwd: string, platform: string, helper: string): Promise<void> {
  const key = `credential.${platform}`;
  await mustGit(cwd, ['config', '--local', '--replace-all', `${key}.helper`, '']);
  await mustGit(cwd, ['config', '--local', '--add', `${key}.helper`, helper]);
  const unset = await git(cwd, ['config', '--local', '--unset-all', `${key}.useHttpPath`]);
  if (unset.code !== 0 && unset.code !== 5) throw gitFailed(['config', '--unset-all'], unset);
}

/**
 * The helper value git runs through the shell, with the operation appended:
 * `get` runs `<node> <args>… <extra>… get`, quoted where needed; `store`
 * and `erase`, which change nothing, only drain their input (no node start).
 */
export function helperCommand(helper: { command: string; args: string[] }, extra: string[] = []): string {
  const get = [helper.command, ...helper.args, ...extra, 'get'].map(shellQuote).join(' ');
  return `!f() { if [ "$1" = get ]; then exec ${get}; else cat >/dev/null; fi; }; f`;
}

/** Quote for sh when needed: plain words stay as they are. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function mustGit(cwd: string, args: string[]): Promise<void> {
  const r = await git(cwd, args);
  if (r.code !== 0) throw gitFailed(args, r);
}

function gitFailed(args: string[], r: GitResult): PlatformError {
  return new PlatformError('Internal', `git ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/**
 * Bare repositories of apps under `<dataDir>/git/<app>.git`, each with the
 * `pre-receive` hook (hook.ts) that hands pushes to tspaasd. The hook file
 * names the node binary and script of the running tspaasd, so it is
 * rewritten the first time a daemon serves the repository (paths change
 * with upgrades).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unavailable } from '../../lib/errors.js';

const execFileP = promisify(execFile);

/** `<dataDir>/git/<app>.git`. */
export function repoPath(dataDir: string, app: string): string {
  return path.join(dataDir, 'git', `${app}.git`);
}

/** How git runs the hook: this node, its loader flags (tsx in development), the hook script. */
export interface HookCommand {
  node: string;
  args: string[];
}

/** The hook command of the running process: node, its --import/--loader flags (resolved), hook.ts|js beside this file. */
export function currentHookCommand(): HookCommand {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `hook${path.extname(self)}`);
  return { node: process.execPath, args: [...loaderFlags(process.execArgv), script] };
}

function loaderFlags(execArgv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const m = /^--(import|loader|experimental-loader)(?:=(.*))?$/.exec(execArgv[i]);
    if (!m) continue;
    const spec = m[2] ?? execArgv[++i];
    if (spec !== undefined) out.push(`--${m[1]}=${absoluteSpecifier(spec)}`);
  }
  return out;
}

/** A loader named like `tsx` resolves from the hook's cwd (the bare repo); resolve it from here instead. */
function absoluteSpecifier(spec: string): string {
  try {
    return import.meta.resolve(spec);
  } catch {
    return spec;
  }
}

/** The pre-receive script: runs the hook program with the bridge socket and the app. */
export function hookScript(cmd: HookCommand, socketPath: string, app: string): string {
  const words = [cmd.node, ...cmd.args, socketPath, app].map(shellQuote).join(' ');
  return `#!/bin/sh\n# Written by tspaasd: hands the push to the platform, which builds and deploys it.\nexec ${words}\n`;
}

const inFlight = new Map<string, Promise<void>>();

/** Make sure the app's bare repository exists and its hook is the given one (written when it differs); one at a time per repository. */
export function ensureRepo(dir: string, hook: string): Promise<void> {
  const running = inFlight.get(dir);
  if (running) return running.then(() => ensureRepo(dir, hook));
  const done = prepareRepo(dir, hook).finally(() => inFlight.delete(dir));
  inFlight.set(dir, done);
  return done;
}

async function prepareRepo(dir: string, hook: string): Promise<void> {
  const head = await fsp.stat(path.join(dir, 'HEAD')).catch(() => null);
  if (!head) {
    await fsp.mkdir(dir, { recursive: true });
    await execFileP('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]).catch((err: unknown) => {
      throw unavailable(`cannot create the git repository ${dir}: ${(err as Error).message}`, err);
    });
  }
  await checkPushedObjects(dir);
  const file = path.join(dir, 'hooks', 'pre-receive');
  if ((await fsp.readFile(file, 'utf8').catch(() => null)) === hook) return;
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, hook, { mode: 0o755 });
  await fsp.rename(tmp, file);
}

/**
 * Pushed objects must pass git's own checks (`receive.fsckObjects`): trees
 * with `..`, `.git` or `/` in an entry name, duplicate entries and the like
 * are refused before anything is stored, so no build archives them. Set on
 * every repository the daemon prepares, new or old.
 */
async function checkPushedObjects(dir: string): Promise<void> {
  const { stdout } = await execFileP('git', ['--git-dir', dir, 'config', '--get', 'receive.fsckObjects']).catch(() => ({ stdout: '' }));
  if (stdout.trim() === 'true') return;
  await execFileP('git', ['--git-dir', dir, 'config', 'receive.fsckObjects', 'true']).catch((err: unknown) => {
    throw unavailable(`cannot configure the git repository ${dir}: ${(err as Error).message}`, err);
  });
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

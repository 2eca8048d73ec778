#!/usr/bin/env node
/**
 * `tspaas` entry point: the only place that reads the environment and argv.
 * It imports node built-ins and the package-version reader only (so
 * `--version` is answered before anything else loads), turns on node's
 * compile cache, then loads the program, which loads only the command that
 * runs (cli/lazy-commands.ts).
 */
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../lib/package-version.js';
import type { CliConfig, CliIO } from './context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const env = process.env;
enableCompileCache(path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tspaas', 'node-compile-cache'));
const runRoot = env.TSPAAS_RUN || '/run/tspaas';
const configDir = env.TSPAAS_CONFIG_DIR || path.join(os.homedir(), '.config', 'tspaas');

const config: CliConfig = Object.freeze({
  version: packageVersion(here),
  socketPath: env.TSPAAS_ENGINE_SOCK || path.join(runRoot, 'engine.sock'),
  root: env.TSPAAS_ROOT || '/var/lib/tspaas',
  runRoot,
  daemon: Object.freeze({
    command: process.execPath,
    args: [...process.execArgv.map(absoluteLoader), path.join(here, '..', 'platform', fromSource ? 'main.ts' : 'main.js')],
  }),
  cwd: process.cwd(),
  authFile: path.join(configDir, 'auth.json'),
  platformFile: path.join(configDir, 'platform.json'),
  platformUrl: env.TSPAAS_URL || undefined,
  platformToken: env.TSPAAS_TOKEN || undefined,
  credentialHelper: Object.freeze({
    command: process.execPath,
    args: [...process.execArgv.map(absoluteLoader), path.join(here, fromSource ? 'git-credential/main.ts' : 'git-credential/main.js')],
  }),
  env: Object.freeze({ ...env }),
});

const argv = process.argv.slice(2);
// `tspaas --version` alone, which scripts ask often, is answered here as commander would
// answer it: loading commander costs more than the rest of the start.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${config.version}\n`);
  process.exit(0);
}
const { runCli } = await import('./program.js');
// process.stdin is made on first use (a few ms): only commands that read stdin pay for it.
const io: CliIO = { get stdin() { return process.stdin; }, stdout: process.stdout, stderr: process.stderr };
process.exit(await runCli(argv, config, io));

/**
 * Node's on-disk cache of compiled modules (`module.enableCompileCache`, node
 * ≥ 22.1; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Absent on older nodes;
 * a cache that cannot be written only means a slower start, never a failure.
 */
function enableCompileCache(dir: string): void {
  const enable = (module as { enableCompileCache?: (cacheDir: string) => unknown }).enableCompileCache;
  try {
    enable?.(dir);
  } catch { /* started without the cache: slower, same behaviour */ }
}

/** `--import tsx` (from source) as an absolute URL, so tspaasd starts from any working directory. */
function absoluteLoader(arg: string): string {
  if (arg === 'tsx' || arg === '--import=tsx') return arg.replace('tsx', import.meta.resolve('tsx'));
  return arg;
}

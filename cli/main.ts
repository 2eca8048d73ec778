#!/usr/bin/env node
/** `tspaas` entry point: the only place that reads the environment and argv. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliConfig } from './context.js';
import { runCli } from './program.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith('.ts');
const env = process.env;
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

const code = await runCli(process.argv.slice(2), config, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
process.exit(code);

/** `--import tsx` (from source) as an absolute URL, so tspaasd starts from any working directory. */
function absoluteLoader(arg: string): string {
  if (arg === 'tsx' || arg === '--import=tsx') return arg.replace('tsx', import.meta.resolve('tsx'));
  return arg;
}

/** The version in the nearest package.json above this file (works from dist/ and from source). */
function packageVersion(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    try {
      return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { version: string }).version;
    } catch { /* keep looking */ }
  }
  return '0.0.0';
}

/**
 * Running Debian's docker-compose 1.29 against a test engine. Like the docker
 * CLI (cli.ts), compose is not on a fresh Debian host: its tests are only
 * registered when it is installed (`scripts/setup.sh --test` installs it), and
 * TSPAAS_REQUIRE_DOCKER_COMPOSE=1 turns its absence into a failure.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliResult } from './cli.js';

export const composePath = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim();

/** Register `register()`'s tests when docker-compose is present; otherwise one failing test when it is required. */
export function withDockerCompose(register: () => void): void {
  if (composePath) return register();
  if (process.env.TSPAAS_REQUIRE_DOCKER_COMPOSE === '1') {
    test('docker-compose is installed (TSPAAS_REQUIRE_DOCKER_COMPOSE=1)', (t) => t.fail('docker-compose is not on PATH'));
  }
}

/** A compose project on disk: its dir and a runner of `docker-compose <args>` in it. */
export interface ComposeProject {
  name: string;
  dir: string;
  /** Run `docker-compose --ansi never args…` in the project's dir against the engine. */
  run(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** Write (or overwrite) one file of the project, relative to its dir; `mode` for scripts. */
  write(file: string, text: string, mode?: number): Promise<void>;
}

/**
 * A project named `name` (COMPOSE_PROJECT_NAME) under `root`, with `files`
 * (path → text; names ending in `.sh` or under `cgi-bin/` are made
 * executable). Builds go through compose's own builder (the Engine API's
 * `POST /build`), not through a docker CLI that may be absent.
 */
export async function composeProject(root: string, socketPath: string, name: string, files: Record<string, string>): Promise<ComposeProject> {
  const dir = path.join(root, name);
  const env = {
    ...process.env, DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONFIG: path.join(dir, '.docker'),
    COMPOSE_PROJECT_NAME: name, COMPOSE_DOCKER_CLI_BUILD: '0', DOCKER_BUILDKIT: '0',
  };
  const project: ComposeProject = {
    name, dir,
    run: (args, timeoutMs = 180_000) => runCompose(dir, env, args, timeoutMs),
    async write(file, text, mode) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text, { mode: mode ?? (/\.sh$|(^|\/)cgi-bin\//.test(file) ? 0o755 : 0o644) });
    },
  };
  for (const [file, text] of Object.entries(files)) await project.write(file, text);
  return project;
}

function runCompose(dir: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(composePath, ['--ansi', 'never', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => { out.stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out.stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ ...out, code: code ?? -1 }); });
  });
}

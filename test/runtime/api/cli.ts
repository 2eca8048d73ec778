/**
 * Running the stock docker CLI against a test socket. The CLI is not on a
 * fresh Debian host: tests that need it are only registered when it is
 * installed, and TSPAAS_REQUIRE_DOCKER_CLI=1 turns its absence into a failure.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const dockerCliPath = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();

/** Register `register()`'s tests when the CLI is present; otherwise one failing test when it is required. */
export function withDockerCli(register: () => void): void {
  if (dockerCliPath) return register();
  if (process.env.TSPAAS_REQUIRE_DOCKER_CLI === '1') {
    test('the docker CLI is installed (TSPAAS_REQUIRE_DOCKER_CLI=1)', (t) => t.fail('docker is not on PATH'));
  }
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A private client config dir, so the host's ~/.docker never matters. */
const configDir = mkdtempSync(path.join(os.tmpdir(), 'tsp-docker-config-'));
process.once('exit', () => rmSync(configDir, { recursive: true, force: true }));

/** Run `docker -H unix://<socket> args…`; `tty` runs it under script(1) so `-t` gets a terminal. */
export function docker(socketPath: string, args: string[], opts: { input?: string; tty?: boolean; timeoutMs?: number } = {}): Promise<CliResult> {
  const argv = ['-H', `unix://${socketPath}`, ...args];
  const [cmd, cmdArgs] = opts.tty
    ? ['script', ['-qec', [dockerCliPath, ...argv].map(shellQuote).join(' '), '/dev/null']]
    : [dockerCliPath, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs as string[], { env: { ...process.env, DOCKER_CONFIG: configDir, DOCKER_CLI_HINTS: 'false' }, stdio: 'pipe' });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => { out.stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out.stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ ...out, code: code ?? -1 }); });
    child.stdin.end(opts.input ?? '');
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

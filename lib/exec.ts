/** Running helper binaries (mount, crun, mmdebstrap…) with errors that say what failed. */
import { spawn, type SpawnOptions } from 'node:child_process';
import { unavailable } from './errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** Bytes written to the child's stdin. */
  input?: string | Buffer;
  /** Resolve with the exit code instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
}

/**
 * Run `cmd args…` to completion and collect its output. A missing binary or a
 * non-zero exit (unless `allowFailure`) throws an `Unavailable` error whose
 * message names the command and quotes its stderr.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(unavailable(`cannot run ${cmd}: ${e.message}`, e)));
    child.on('close', (code, signal) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 128 };
      if (result.code === 0 || opts.allowFailure) return resolve(result);
      const why = result.stderr.trim() || result.stdout.trim() || (signal ? `killed by ${signal}` : `exit code ${result.code}`);
      reject(unavailable(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${why}`));
    });
    child.stdin!.on('error', () => { /* the child may exit before reading its input */ });
    child.stdin!.end(opts.input ?? '');
  });
}

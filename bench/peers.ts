/**
 * The benchmark's peers, each prepared on private state under the bench's
 * temporary directory so the host's own stores stay untouched: Debian's
 * podman (its own --root/--runroot) and a raw `crun run` bundle.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../lib/exec.js';

/** A command line to time: argv and extra environment. */
export interface Command {
  argv: string[];
  env?: Record<string, string>;
}

/** Spawn a command, discard its output, resolve with its exit code and wall time in ms. */
export function timeCommand(cmd: Command): Promise<{ code: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd.argv[0], cmd.argv.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...cmd.env },
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${cmd.argv.join(' ')} exited with ${code}: ${stderr.trim()}`));
      else resolve({ code: code ?? 0, ms });
    });
  });
}

/** Absolute path of a command on PATH, or null. */
export async function which(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = path.join(dir, name);
    try {
      await fsp.access(file, fsp.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** podman with a private store under `dir`; the same settings for load and run. */
export function podmanArgv(podman: string, dir: string): string[] {
  return [
    podman, '--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--tmpdir', path.join(dir, 'tmp'),
    '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
  ];
}

export interface PodmanSetup {
  /** OCI runtime and version podman uses. */
  runtime: string;
  /** Extra `run` flags this host needs (empty when podman's defaults work). */
  runFlags: string[];
}

/** `--network <network>`, or nothing for '' (podman's default network: bridge podman0, 10.88.0.0/16, with netavark). */
export function podmanNetwork(network: string): string[] {
  return network ? ['--network', network] : [];
}

/**
 * Load a `docker save` tar into podman's private store and check that `run`
 * works on `network` ('' = podman's default network). Rootful podman raises
 * RLIMIT_NOFILE/NPROC to 1048576/4194304 by default, which a host without
 * CAP_SYS_RESOURCE in its bounding set refuses; there podman gets the limits
 * our engine uses (nofile = this process's hard limit) and a modest nproc,
 * which do not change what is timed.
 */
export async function preparePodman(podman: string, dir: string, saveTar: string, image: string, cmd: string[], network = 'none'): Promise<PodmanSetup> {
  const argv = podmanArgv(podman, dir);
  await run(argv[0], [...argv.slice(1), 'load', '-q', '-i', saveTar]);
  const info = await run(argv[0], [...argv.slice(1), 'info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}']);
  const runtime = info.stdout.trim().split('\n')[0];
  const tryRun = (flags: string[]) => run(argv[0], [...argv.slice(1), 'run', '--rm', ...podmanNetwork(network), ...flags, image, ...cmd], { allowFailure: true });
  const first = await tryRun([]);
  if (first.code === 0) return { runtime, runFlags: [] };
  const nofile = /^Max open files\s+\S+\s+(\S+)/m.exec(await fsp.readFile('/proc/self/limits', 'utf8'))?.[1] ?? '1024';
  const runFlags = ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=32768:32768'];
  const second = await tryRun(runFlags);
  if (second.code !== 0) throw new Error(`podman run fails here: ${first.stderr.trim()} / with ${runFlags.join(' ')}: ${second.stderr.trim()}`);
  return { runtime, runFlags };
}

interface SaveManifest {
  Layers: string[];
}

/** Unpack the image of a `docker save` tar into `rootfs` (layers in order; whiteouts are not expected in busybox). */
export async function unpackSaveTar(saveTar: string, work: string, rootfs: string): Promise<void> {
  await fsp.mkdir(work, { recursive: true });
  await fsp.mkdir(rootfs, { recursive: true });
  await run('tar', ['-xf', saveTar, '-C', work]);
  const [manifest] = JSON.parse(await fsp.readFile(path.join(work, 'manifest.json'), 'utf8')) as SaveManifest[];
  for (const layer of manifest.Layers) await run('tar', ['-xf', path.join(work, layer), '-C', rootfs]);
}

/** An OCI bundle from `crun spec`, running `cmd` without a terminal, in a new (empty) network namespace. */
export async function prepareCrunBundle(crun: string, bundle: string, saveTar: string, cmd: string[]): Promise<void> {
  await unpackSaveTar(saveTar, path.join(bundle, 'image'), path.join(bundle, 'rootfs'));
  await run(crun, ['spec'], { cwd: bundle });
  const file = path.join(bundle, 'config.json');
  const spec = JSON.parse(await fsp.readFile(file, 'utf8')) as { process: { terminal: boolean; args: string[] } };
  spec.process.terminal = false;
  spec.process.args = cmd;
  await fsp.writeFile(file, JSON.stringify(spec, null, 2));
}

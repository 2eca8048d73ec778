/**
 * `debian:bookworm` made by mmdebstrap: `mmdebstrap --variant=minbase
 * bookworm -` writes the rootfs as a tar on stdout, which streams straight
 * into the image store. `--skip=output/dev` leaves out the device nodes
 * (layers may not carry any; the runtime makes /dev). mmdebstrap's status
 * lines on stderr ("I: downloading packages with apt...") become progress
 * messages. It needs root and network access to Debian's mirror.
 */
import { spawn } from 'node:child_process';
import { unavailable } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { findBinary } from '../../lib/binaries.js';
import type { OnProgress } from '../types.js';
import type { BaseImageBuild, BaseImageBuilder } from './types.js';

const SUITE = 'bookworm';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Lines of stderr kept to explain a failure. */
const TAIL_LINES = 20;

export const debianBuilder: BaseImageBuilder = {
  name: `debian:${SUITE}`,
  description: `mmdebstrap --variant=minbase ${SUITE}`,
  packages: ['mmdebstrap'],
  build: buildDebian,
};

/** The mmdebstrap command line (without the binary). */
export function mmdebstrapArgs(suite: string): string[] {
  return ['--variant=minbase', '--format=tar', '--skip=output/dev', suite, '-'];
}

/** Start mmdebstrap; its stdout is the layer. */
async function buildDebian(onProgress: OnProgress): Promise<BaseImageBuild> {
  const binary = await findBinary('mmdebstrap');
  if (!binary) throw unavailable('mmdebstrap is not installed; install it with "apt-get install mmdebstrap"');
  const version = (await run(binary, ['--version'], { allowFailure: true })).stdout.trim() || 'mmdebstrap';
  const args = mmdebstrapArgs(SUITE);
  const created = new Date().toISOString();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  forwardStatus(child.stderr!, (line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    const status = statusOf(line);
    if (status) onProgress({ status });
  });
  const layer = child.stdout!;
  // A consumer that gives up (the store failed) must not leave mmdebstrap running.
  layer.on('close', () => { if (!layer.readableEnded && child.exitCode === null) child.kill('SIGTERM'); });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(unavailable(`cannot run mmdebstrap: ${err.message}`, err)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const why = tail.filter((l) => /^E:|error/i.test(l)).join('\n') || tail.join('\n') || `exit ${code ?? signal}`;
      reject(unavailable(`mmdebstrap ${args.join(' ')} failed: ${why}`));
    });
  });
  return {
    layer,
    done,
    config: { Env: [`PATH=${PATH}`], Cmd: ['bash'] },
    created,
    history: { created, created_by: `${version}: mmdebstrap ${args.slice(0, -1).join(' ')}`, comment: 'built locally by tspaas' },
  };
}

/** Split a stream into lines (on \n and on the \r of progress bars). */
function forwardStatus(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    const parts = buf.split(/[\r\n]/);
    buf = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) onLine(p.trim());
  });
  stream.on('end', () => { if (buf.trim()) onLine(buf.trim()); });
}

/** The progress message of one mmdebstrap line: "I: running apt-get update..." → "running apt-get update...". */
export function statusOf(line: string): string | null {
  const m = /^([IWE]): (.*)$/.exec(line);
  if (!m) return null;
  return m[1] === 'I' ? m[2] : `${m[1] === 'W' ? 'warning' : 'error'}: ${m[2]}`;
}

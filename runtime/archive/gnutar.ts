/**
 * GNU tar as the extractor and the tree reader. Node has no mknod or xattr
 * API; GNU tar creates the whiteout character devices, sets xattrs
 * (`trusted.overlay.opaque`, `security.capability`), keeps numeric owners,
 * modes and mtimes, and reads them back, all at disk speed.
 *
 * GNU tar is only ever given archives the rewriter produced (extraction) or
 * trees on our own disk (creation); it never sees untrusted headers.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { invalid, unavailable } from '../../lib/errors.js';

/** A fixed environment: UTF-8 names pass through untouched, and nothing is read from ours. */
const TAR_ENV = { LC_ALL: 'C.UTF-8', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
const MAX_STDERR = 8192;

export interface TarProcess {
  stdin: Writable;
  stdout: Readable;
  /** Settles when tar exits: resolves on success, rejects with its stderr otherwise. */
  done: Promise<void>;
  /** Stop tar at once (after a failure upstream). */
  kill(): void;
}

function spawnTar(args: string[], failure: (msg: string) => Error, okCodes = [0]): TarProcess {
  const child = spawn('tar', args, { env: TAR_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { if (stderr.length < MAX_STDERR) stderr += b.toString(); });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(unavailable(`cannot run tar: ${e.message}`, e)));
    child.on('close', (code, signal) => {
      if (code !== null && okCodes.includes(code)) return resolve();
      reject(failure(stderr.trim() || (signal ? `tar killed by ${signal}` : `tar exited with ${code}`)));
    });
  });
  child.stdin.on('error', () => { /* tar exited early; `done` reports why */ });
  return { stdin: child.stdin, stdout: child.stdout, done, kill: () => { child.kill('SIGKILL'); } };
}

/** GNU tar extracting a rewriter-produced archive from stdin into `dest`, keeping everything. */
export function spawnExtract(dest: string): TarProcess {
  const args = ['-x', '-f', '-', '-C', dest, '--numeric-owner', '--same-owner', '--same-permissions',
    '--xattrs', '--xattrs-include=*'];
  return spawnTar(args, (msg) => invalid(`layer could not be extracted: ${msg}`));
}

/**
 * GNU tar archiving `members` (paths relative to `cwd`) to stdout in POSIX
 * format with every xattr, numeric owners, and names sorted so that the same
 * tree always gives the same order. `listFromStdin`: members come NUL
 * separated on stdin instead (and directories are not descended into).
 */
export function spawnCreate(cwd: string, members: string[], opts: { listFromStdin?: boolean } = {}): TarProcess {
  const args = ['-c', '-f', '-', '--format=posix', '--numeric-owner', '--xattrs', '--xattrs-include=*',
    '--sort=name', '--warning=no-file-changed', '-C', cwd];
  if (opts.listFromStdin) args.push('--no-recursion', '--null', '--verbatim-files-from', '-T', '-');
  else args.push('--', ...members);
  // exit 1 = "file changed as we read it": a running container's files may change under `docker export`
  const proc = spawnTar(args, (msg) => unavailable(`cannot archive ${cwd}: ${msg}`), [0, 1]);
  if (!opts.listFromStdin) proc.stdin.end();
  return proc;
}

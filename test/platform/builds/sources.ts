/**
 * Source tars for build tests, made the way a push makes them (`git archive`
 * of a commit holding the files).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Write `files` (and the symlinks `links`: path → target) into a fresh git repo, commit, and `git archive` the commit to `tarPath`; returns the commit. */
export async function sourceTar(files: Record<string, string>, tarPath: string, links: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-src-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    for (const [name, target] of Object.entries(links)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await symlink(target, path.join(dir, name));
    }
    const g = (...args: string[]) => execFileP('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=T', ...args], { cwd: dir });
    await g('init', '-q', '-b', 'main');
    await g('add', '-A');
    await g('commit', '-qm', 'app');
    await mkdir(path.dirname(tarPath), { recursive: true });
    await g('archive', '--format=tar', '-o', tarPath, 'HEAD');
    return (await g('rev-parse', 'HEAD')).stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Quota dirs on XFS, the way Docker's overlay2 bounds `--storage-opt size`
 * (moby's daemon/graphdriver/quota): each bounded dir gets its own project
 * ID, set with the inherit flag so everything created under it carries the
 * ID, and a block hard limit on that project. Writes past it fail with
 * ENOSPC. Needs the filesystem mounted with `prjquota` and xfsprogs'
 * `xfs_quota` (one run per create and per remove: Node has no ioctl).
 *
 * Project IDs are shared by every engine on the filesystem (the tests run
 * many at once), so they are claimed in one registry at the mount point,
 * `<mount>/.tspaas-quota/<id>` (created exclusively: two claims of one ID
 * cannot both succeed), and the claimed ID is noted in the dir
 * (`<dir>/.quota.json`). Removal deletes the dir first, then clears the
 * limit, then frees the ID: an ID is reused only once no file carries it.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import { readJsonIfExists } from '../../lib/fs.js';
import { run } from '../../lib/exec.js';
import { mkdirNew } from './dirs.js';
import type { DirQuota } from './types.js';

/** First project ID tspaas claims, above the small IDs /etc/projid usually names. */
const FIRST_ID = 100_000;
const NOTE = '.quota.json';

interface Note { project: number; bytes: number }

export class XfsQuota implements DirQuota {
  readonly backend = 'xfs';
  readonly reason = '';

  constructor(readonly mountPoint: string) {}

  private get registry(): string {
    return path.join(this.mountPoint, '.tspaas-quota');
  }

  async create(dir: string, bytes: number | null, mode = 0o755): Promise<void> {
    await mkdirNew(dir, mode);
    if (!bytes) return;
    let project: number | undefined;
    try {
      project = await this.claim(dir);
      await fsp.writeFile(path.join(dir, NOTE), JSON.stringify({ project, bytes } satisfies Note));
      const kib = Math.ceil(bytes / 1024);
      await this.xfsQuota(`project -s -p ${dir} ${project}`, `limit -p bhard=${kib}k ${project}`);
    } catch (err) {
      await fsp.rm(dir, { recursive: true, force: true });
      // Clean-up of a failed create: the create's own error is the one to report.
      if (project !== undefined) await this.release(project).catch(() => undefined);
      throw err;
    }
  }

  /** Clear a project's limit and free its ID (its files are gone). */
  private async release(project: number): Promise<void> {
    await this.xfsQuota(`limit -p bhard=0 ${project}`);
    await fsp.rm(path.join(this.registry, String(project)), { force: true });
  }

  async remove(dir: string): Promise<void> {
    const note = await readJsonIfExists<Note>(path.join(dir, NOTE));
    await fsp.rm(dir, { recursive: true, force: true });
    if (note) await this.release(note.project);
  }

  async limitOf(dir: string): Promise<number | null> {
    return (await readJsonIfExists<Note>(path.join(dir, NOTE)))?.bytes ?? null;
  }

  /** Claim the lowest free project ID for `dir`. */
  private async claim(dir: string): Promise<number> {
    await fsp.mkdir(this.registry, { recursive: true, mode: 0o700 });
    const taken = new Set((await fsp.readdir(this.registry)).map(Number));
    for (let id = FIRST_ID; ; id++) {
      if (taken.has(id)) continue;
      try {
        await fsp.writeFile(path.join(this.registry, String(id)), dir, { flag: 'wx' });
        return id;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
    }
  }

  private async xfsQuota(...commands: string[]): Promise<void> {
    await run('xfs_quota', ['-x', ...commands.flatMap((c) => ['-c', c]), this.mountPoint]);
  }
}

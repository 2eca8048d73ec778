/**
 * An "outside" HTTPS host for buildpack downloads: a network namespace
 * (createOutside) serving a directory on port 443 with a certificate made
 * for its address, and a CA bundle (the host's plus that certificate) to give
 * build containers as `caFile`. Buildpacks are added as tarballs or as git
 * repositories served over git's dumb HTTP protocol.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { createOutside, type Outside } from './netns.js';
import { HOST_CA } from './stacks.js';

export interface HttpsOutside {
  outside: Outside;
  /** The host's CA bundle plus the outside host's certificate. */
  caFile: string;
  /** `https://<address>/<name>.tgz` of a tarball buildpack made of `files`. */
  addTarball(name: string, files: Record<string, string>): Promise<string>;
  /** `https://<address>/<name>.git` of a git repository (one commit, tagged v1) holding `files`. */
  addGitRepo(name: string, files: Record<string, string>): Promise<string>;
  /** `https://<address>/<name>` serving `content` (nodejs buildpack tests: a registry's documents). */
  addFile(name: string, content: string | Buffer): Promise<string>;
  remove(): Promise<void>;
}

/** Start the outside HTTPS host on the test engine's address pool. */
export async function createHttpsOutside(pool: string): Promise<HttpsOutside> {
  const outside = await createOutside(pool);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tsp-https-'));
  const web = path.join(dir, 'web');
  await fsp.mkdir(web);
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', `/CN=${outside.address}`, '-addext', `subjectAltName=IP:${outside.address}`, '-addext', 'basicConstraints=critical,CA:TRUE']);
  const caFile = path.join(dir, 'ca.pem');
  await fsp.writeFile(caFile, Buffer.concat([await fsp.readFile(HOST_CA), Buffer.from('\n'), await fsp.readFile(cert)]));
  const server = await outside.serve(443, web, { key, cert });
  const base = `https://${outside.address}`;
  return {
    outside, caFile,
    async addTarball(name, files) {
      const src = path.join(dir, 'src', name);
      await writeTree(src, files);
      await run('tar', ['-C', src, '-czf', path.join(web, `${name}.tgz`), '.']);
      return `${base}/${name}.tgz`;
    },
    async addGitRepo(name, files) {
      const src = path.join(dir, 'src', name);
      await writeTree(src, files);
      const git = (cwd: string, ...args: string[]) => run('git', ['-C', cwd, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args]);
      await git(src, 'init', '-q', '-b', 'main');
      await git(src, 'add', '.');
      await git(src, 'commit', '-q', '-m', 'v1');
      await git(src, 'tag', 'v1');
      await run('git', ['clone', '-q', '--bare', src, path.join(web, `${name}.git`)]);
      await git(path.join(web, `${name}.git`), 'repack', '-a', '-d', '-q'); // one pack: few requests over dumb HTTP
      await git(path.join(web, `${name}.git`), 'update-server-info');
      return `${base}/${name}.git`;
    },
    async addFile(name, content) {
      await fsp.mkdir(path.dirname(path.join(web, name)), { recursive: true });
      await fsp.writeFile(path.join(web, name), content);
      return `${base}/${name}`;
    },
    async remove() {
      server.close();
      await outside.remove();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Write `files` (path → content; a leading `+x ` makes it executable) under `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    const exec = content.startsWith('+x ');
    await fsp.writeFile(path.join(dir, name), exec ? content.slice(3) : content, { mode: exec ? 0o755 : 0o644 });
  }
}

/**
 * The build context as the docker CLI sends it: a tar of the context
 * directory without what `.dockerignore` excludes (Docker's rules: Go
 * filepath.Match patterns plus `**`, `!` exceptions, the last match wins, a
 * match on a directory covers what is under it), with the Dockerfile and
 * `.dockerignore` always included. A Dockerfile outside the context (or
 * `-f -`) travels inside the tar as `.dockerfile.<random>`. The engine
 * applies the same rules again on its side (runtime/build/ignore.ts); the CLI
 * may not import runtime code, so this file carries its own small matcher.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

interface Pattern { re: RegExp; exclusion: boolean }

/** .dockerignore text → patterns. */
export function parseDockerignore(text: string): Pattern[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).flatMap((line) => {
    const exclusion = line.startsWith('!');
    let p = path.posix.normalize(exclusion ? line.slice(1).trim() : line);
    if (p.length > 1) p = p.replace(/^\/+/, '').replace(/\/+$/, '');
    return p ? [{ re: globRegExp(p), exclusion }] : [];
  });
}

function globRegExp(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      i += p[i + 2] === '/' ? 2 : 1;
      re += i + 1 >= p.length ? '.*' : '(.*/)?';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < p.length) re += p[++i].replace(/[.+^${}()|[\]\\*?/]/g, '\\$&');
    else if (c === '[' && p.indexOf(']', i + 2) > 0) {
      const end = p.indexOf(']', i + 2);
      re += `[${p.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|[\]\\*?/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Whether `rel` is excluded: the last pattern matching it or one of its parents decides. */
export function excluded(patterns: Pattern[], rel: string): boolean {
  const parents = rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const p of patterns) if (p.exclusion === out && (p.re.test(rel) || parents.some((d) => p.re.test(d)))) out = !p.exclusion;
  return out;
}

/** Tar of `dir` honoring .dockerignore; `dockerfile` (a path, or the text for `-f -`) decides the `dockerfile` query value. */
export async function packContext(dir: string, dockerfile: { path?: string; text?: string }): Promise<{ tar: Readable; dockerfile: string }> {
  const patterns = parseDockerignore(await fsp.readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => ''));
  let name = 'Dockerfile';
  let extra: string | null = dockerfile.text ?? null;
  if (dockerfile.path) {
    const rel = path.relative(dir, path.resolve(dockerfile.path));
    if (rel.startsWith('..') || path.isAbsolute(rel)) extra = await fsp.readFile(dockerfile.path, 'utf8');
    else name = rel.split(path.sep).join('/');
  }
  if (extra !== null) name = `.dockerfile.${randomBytes(10).toString('hex')}`;
  const keep = new Set([name, '.dockerignore']);
  const pack = tar.pack();
  void (async () => {
    try {
      await addTree(pack, dir, '', (rel) => keep.has(rel) || !excluded(patterns, rel));
      if (extra !== null) await entry(pack, { name, mode: 0o644, size: Buffer.byteLength(extra) }, extra);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return { tar: pack as unknown as Readable, dockerfile: name };
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body?: string | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (typeof body === 'string') return void pack.entry(header as tar.Header, body, done);
    const sink = pack.entry(header as tar.Header, done);
    if (body) body.on('error', reject).pipe(sink);
  });
}

async function addTree(pack: tar.Pack, root: string, rel: string, include: (rel: string) => boolean): Promise<void> {
  for (const n of (await fsp.readdir(path.join(root, rel))).sort()) {
    const r = rel ? `${rel}/${n}` : n;
    const file = path.join(root, r);
    const st = await fsp.lstat(file);
    const header = { name: r, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      if (include(r)) await entry(pack, { ...header, type: 'directory' });
      await addTree(pack, root, r, include);
    } else if (!include(r)) continue;
    else if (st.isSymbolicLink()) await entry(pack, { ...header, type: 'symlink', linkname: await fsp.readlink(file) });
    else if (st.isFile()) await entry(pack, { ...header, size: st.size }, createReadStream(file));
  }
}

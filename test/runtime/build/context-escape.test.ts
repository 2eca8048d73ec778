/**
 * Build-context escapes, table-driven, on a real engine: every way a
 * hostile context can point a build at the host (absolute and relative
 * symlinks, symlinked parents, trailing slashes, chains, globs, `-f`,
 * `.dockerignore`, ADD, hardlinks, device nodes, FIFOs) must leave no byte
 * from outside the context in the image — and in-context symlinks must still
 * behave as Docker's do (followed within the context for a named source,
 * copied as links inside a copied directory).
 *
 * Sources of the cases: Docker's own tests of FollowSymlinkInScope
 * (moby/sys/symlink fs_unix_test.go: absolute links, relative links climbing
 * past the root, chains, links in parent components, link loops), the
 * CVE-2014-9356 / CVE-2018-15664 class (paths resolved through a symlink the
 * attacker planted), and the report this issue starts from (a Dockerfile
 * copying a symlinked directory served the host's /etc).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { build } from './helpers.js';

let te: TestEngine;
/** A directory on the host, outside every context, holding files that carry the canary. */
let outside: string;
const CANARY = `canary-${randomBytes(12).toString('hex')}`;

test.before(async () => {
  te = await startTestEngine();
  outside = await mkdtemp(path.join(os.tmpdir(), 'tspaas-outside-'));
  await mkdir(path.join(outside, 'dir'));
  await writeFile(path.join(outside, 'canary.txt'), `${CANARY}\n`);
  await writeFile(path.join(outside, 'dir', 'canary.conf'), `${CANARY}\n`);
  await writeFile(path.join(outside, 'Dockerfile'), `FROM busybox\nRUN echo ${CANARY} > /leak\n`);
  await writeFile(path.join(outside, 'ignore'), '*\n');
});
test.after.always(async () => {
  await te?.cleanup();
  if (outside) await rm(outside, { recursive: true, force: true });
});

/** One entry of a context tar. */
type Entry =
  | { name: string; file: string }
  | { name: string; dir: true }
  | { name: string; symlink: string }
  | { name: string; hardlink: string }
  | { name: string; device: 'char' | 'block' | 'fifo' };

function contextOf(entries: Entry[]): Readable {
  const pack = tarStream.pack();
  const mtime = new Date('2026-01-01T00:00:00Z');
  for (const e of entries) {
    if ('file' in e) pack.entry({ name: e.name, mode: 0o644, mtime }, e.file);
    else if ('dir' in e) pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime });
    else if ('symlink' in e) pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink, mtime });
    else if ('hardlink' in e) pack.entry({ name: e.name, type: 'link', linkname: e.hardlink, mtime });
    else {
      const type = e.device === 'char' ? 'character-device' : e.device === 'block' ? 'block-device' : 'fifo';
      pack.entry({ name: e.name, type, mode: 0o644, mtime, devmajor: e.device === 'block' ? 8 : 1, devminor: e.device === 'block' ? 0 : 3 });
    }
  }
  pack.finalize();
  return Readable.from(pack); // tar-stream packs are streamx streams; hand out a Node one
}

/** What an image's root holds: path → type, link target and content. */
interface Tree {
  [path: string]: { type: string; linkname?: string; content?: string };
}

async function treeOf(image: string): Promise<Tree> {
  const c = await te.engine.createContainer({ image, cmd: ['true'] });
  try {
    const tree: Tree = {};
    const extract = tarStream.extract();
    const stream = await te.engine.exportContainer(c.record.id);
    stream.pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const h = entry.header;
      tree[`/${h.name.replace(/^\.?\/+/, '').replace(/\/$/, '')}`] = { type: h.type ?? 'file', linkname: h.linkname ?? undefined, content: Buffer.concat(chunks).toString('latin1') };
    }
    return tree;
  } finally {
    await te.engine.removeContainer(c.record.id, { force: true });
  }
}

/** True when any file of the tree carries the canary. */
function leaks(tree: Tree): string[] {
  return Object.entries(tree).filter(([, e]) => e.content?.includes(CANARY)).map(([p]) => p);
}

interface Case {
  name: string;
  /** The context besides the Dockerfile (built with `out` = the outside directory). */
  entries: (out: string) => Entry[];
  dockerfile: string;
  dockerfilePath?: string;
  /** null = the build must fail (its message matching this); else checks of the image's tree. */
  fails?: RegExp;
  check?: (tree: Tree, out: string) => void;
}

const climb = (out: string) => `${'../'.repeat(24)}${out.slice(1)}`;

const ESCAPES: Case[] = [
  { name: 'COPY of an absolute symlink to a host directory', entries: (o) => [{ name: 'etc', symlink: o }], dockerfile: 'COPY etc /x', fails: /file not found in build context/ },
  { name: 'COPY of an absolute symlink to a host directory, trailing slash', entries: (o) => [{ name: 'etc', symlink: o }], dockerfile: 'COPY etc/ /x/', fails: /file not found in build context/ },
  { name: 'COPY through a symlinked parent (absolute)', entries: (o) => [{ name: 'etc', symlink: o }], dockerfile: 'COPY etc/canary.txt /x', fails: /file not found in build context/ },
  { name: 'COPY of an absolute symlink to a host file', entries: (o) => [{ name: 'f', symlink: `${o}/canary.txt` }], dockerfile: 'COPY f /x', fails: /file not found in build context/ },
  { name: 'COPY of a relative symlink climbing out', entries: (o) => [{ name: 'up', symlink: climb(o) }], dockerfile: 'COPY up /x', fails: /file not found in build context/ },
  { name: 'COPY through a relative symlink climbing out, trailing slash', entries: (o) => [{ name: 'up', symlink: climb(o) }], dockerfile: 'COPY up/ /x/', fails: /file not found in build context/ },
  { name: 'COPY through a relative symlinked parent climbing out', entries: (o) => [{ name: 'up', symlink: climb(o) }], dockerfile: 'COPY up/dir/canary.conf /x', fails: /file not found in build context/ },
  {
    name: 'COPY through a chain of links (relative → absolute)',
    entries: (o) => [{ name: 'sub', dir: true }, { name: 'a', symlink: 'sub/b' }, { name: 'sub/b', symlink: '../c' }, { name: 'c', symlink: o }],
    dockerfile: 'COPY a/canary.txt /x', fails: /file not found in build context/,
  },
  {
    name: 'COPY through a chain whose `..` climbs from a nested link',
    entries: (o) => [{ name: 'd1', dir: true }, { name: 'd1/d2', dir: true }, { name: 'd1/d2/l', symlink: `../../../../../..${o}` }, { name: 'x', symlink: 'd1/d2/l/canary.txt' }],
    dockerfile: 'COPY x /x', fails: /file not found in build context/,
  },
  { name: 'COPY of a link loop', entries: () => [{ name: 'a', symlink: 'b' }, { name: 'b', symlink: 'a' }], dockerfile: 'COPY a /x', fails: /too many levels of symbolic links|not found/ },
  { name: 'COPY glob through a symlinked directory', entries: (o) => [{ name: 'etc', symlink: `${o}/dir` }], dockerfile: 'COPY etc/*.conf /x/', fails: /no source files were specified/ },
  { name: 'COPY glob matching a symlink to a host file', entries: (o) => [{ name: 'a.txt', file: 'in context\n' }, { name: 'b.txt', symlink: `${o}/canary.txt` }], dockerfile: 'COPY *.txt /x/', fails: /file not found in build context/ },
  { name: 'ADD of an absolute symlink to a host file', entries: (o) => [{ name: 'f', symlink: `${o}/canary.txt` }], dockerfile: 'ADD f /x', fails: /file not found in build context/ },
  { name: 'ADD through a symlinked parent', entries: (o) => [{ name: 'etc', symlink: o }], dockerfile: 'ADD etc/dir /x/', fails: /file not found in build context/ },
  {
    name: '-f names a symlink to a host Dockerfile',
    entries: (o) => [{ name: 'Dockerfile.evil', symlink: `${o}/Dockerfile` }], dockerfile: 'RUN true', dockerfilePath: 'Dockerfile.evil', fails: /Cannot locate specified Dockerfile: Dockerfile.evil/,
  },
  {
    name: '-f through a symlinked parent',
    entries: (o) => [{ name: 'build', symlink: o }], dockerfile: 'RUN true', dockerfilePath: 'build/Dockerfile', fails: /Cannot locate specified Dockerfile/,
  },
  {
    name: '.dockerignore as a symlink to a host file is not read from the host',
    entries: (o) => [{ name: '.dockerignore', symlink: `${o}/ignore` }, { name: 'kept.txt', file: 'kept\n' }],
    dockerfile: 'COPY . /app/',
    check: (t) => { if (t['/app/kept.txt']?.content !== 'kept\n') throw new Error('kept.txt was excluded: the host file was read as .dockerignore'); },
  },
  { name: 'a hardlink to a host file (absolute)', entries: (o) => [{ name: 'h', hardlink: `${o}/canary.txt` }], dockerfile: 'COPY h /x', fails: /hardlink target .* is not a regular file extracted earlier/ },
  { name: 'a hardlink climbing out (relative)', entries: (o) => [{ name: 'h', hardlink: climb(o) + '/canary.txt' }], dockerfile: 'COPY h /x', fails: /escapes the layer/ },
  { name: 'a character device (the host\'s /dev/null numbers)', entries: () => [{ name: 'null', device: 'char' }], dockerfile: 'COPY null /x', fails: /device nodes and FIFOs are not allowed/ },
  { name: 'a block device (the host\'s first disk numbers)', entries: () => [{ name: 'sda', device: 'block' }], dockerfile: 'COPY sda /x', fails: /device nodes and FIFOs are not allowed/ },
  { name: 'a FIFO', entries: () => [{ name: 'pipe', device: 'fifo' }], dockerfile: 'COPY pipe /x', fails: /device nodes and FIFOs are not allowed/ },
  {
    name: 'COPY . of a context holding links out copies the links as links',
    entries: (o) => [{ name: 'etc', symlink: o }, { name: 'up', symlink: climb(o) }, { name: 'f', symlink: `${o}/canary.txt` }],
    dockerfile: 'COPY . /app/',
    check: (t, o) => {
      for (const [p, target] of [['/app/etc', o], ['/app/up', climb(o)], ['/app/f', `${o}/canary.txt`]]) {
        if (t[p]?.type !== 'symlink' || t[p].linkname !== target) throw new Error(`${p}: ${JSON.stringify(t[p])}`);
      }
      if (Object.keys(t).some((p) => p.startsWith('/app/etc/') || p.startsWith('/app/up/'))) throw new Error('a link was followed');
    },
  },
];

for (const c of ESCAPES) {
  test.serial(`escape: ${c.name}`, async (t) => {
    const dockerfile = `FROM busybox\n${c.dockerfile}\n`;
    const dfName = c.dockerfilePath ?? 'Dockerfile';
    const entries = [...c.entries(outside), ...(c.dockerfilePath ? [] : [{ name: dfName, file: dockerfile }])];
    const tag = `escape-${randomBytes(4).toString('hex')}:latest`;
    const r = await build(te.engine, contextOf(entries), { tags: [tag], dockerfile: dfName });
    if (r.error) t.false(r.error.message.includes(CANARY), 'the error message shows a host file');
    t.false(r.output.includes(CANARY), 'the build output shows a host file');
    if (c.fails) {
      t.truthy(r.error, 'the build should have failed');
      t.regex(r.error?.message ?? '', c.fails);
      return;
    }
    t.is(r.error, null, r.error?.message);
    const tree = await treeOf(tag);
    t.deepEqual(leaks(tree), [], 'files of the image carry bytes from outside the context');
    t.notThrows(() => c.check!(tree, outside));
  });
}

/** In-context symlinks, as Docker resolves them (a named source is followed within the context; links inside a copied directory stay links). */
const IN_CONTEXT: Case[] = [
  {
    name: 'a named symlink to a file is copied as the file it names',
    entries: () => [{ name: 'real.txt', file: 'real\n' }, { name: 'link.txt', symlink: 'real.txt' }],
    dockerfile: 'COPY link.txt /x',
    check: (t) => { if (t['/x']?.type !== 'file' || t['/x'].content !== 'real\n') throw new Error(`/x: ${JSON.stringify(t['/x'])}`); },
  },
  {
    name: 'an absolute link resolves at the context root',
    entries: () => [{ name: 'etc', dir: true }, { name: 'etc/app.conf', file: 'from the context\n' }, { name: 'conf', symlink: '/etc/app.conf' }],
    dockerfile: 'COPY conf /x',
    check: (t) => { if (t['/x']?.content !== 'from the context\n') throw new Error(`/x: ${JSON.stringify(t['/x'])}`); },
  },
  {
    name: 'a climbing relative link is clamped at the context root',
    entries: () => [{ name: 'data', dir: true }, { name: 'data/v.txt', file: 'v\n' }, { name: 'sub', dir: true }, { name: 'sub/l', symlink: '../../../../data' }],
    dockerfile: 'COPY sub/l/ /d/',
    check: (t) => { if (t['/d/v.txt']?.content !== 'v\n') throw new Error(`/d: ${JSON.stringify(Object.keys(t).filter((p) => p.startsWith('/d')))}`); },
  },
  {
    name: 'a symlinked directory with a trailing slash copies the directory it names',
    entries: () => [{ name: 'realdir', dir: true }, { name: 'realdir/a.txt', file: 'a\n' }, { name: 'linkdir', symlink: 'realdir' }],
    dockerfile: 'COPY linkdir/ /d/',
    check: (t) => { if (t['/d/a.txt']?.content !== 'a\n') throw new Error('linkdir/ was not followed within the context'); },
  },
  {
    name: 'a chain through a symlinked parent',
    entries: () => [{ name: 'realsub', dir: true }, { name: 'realsub/f.txt', file: 'f\n' }, { name: 'l1', symlink: 'l2' }, { name: 'l2', symlink: './realsub' }],
    dockerfile: 'COPY l1/f.txt /f',
    check: (t) => { if (t['/f']?.content !== 'f\n') throw new Error(`/f: ${JSON.stringify(t['/f'])}`); },
  },
  {
    name: 'links inside a copied directory stay links; hardlinks stay hardlinks',
    entries: () => [
      { name: 'dir', dir: true }, { name: 'dir/t.txt', file: 't\n' }, { name: 'dir/l', symlink: 't.txt' }, { name: 'dir/abs', symlink: '/etc/passwd' }, { name: 'dir/h', hardlink: 'dir/t.txt' },
    ],
    dockerfile: 'COPY dir /d',
    check: (t) => {
      if (t['/d/l']?.type !== 'symlink' || t['/d/l'].linkname !== 't.txt') throw new Error(`/d/l: ${JSON.stringify(t['/d/l'])}`);
      if (t['/d/abs']?.type !== 'symlink' || t['/d/abs'].linkname !== '/etc/passwd') throw new Error(`/d/abs: ${JSON.stringify(t['/d/abs'])}`);
      const h = t['/d/h'];
      const pair = [h, t['/d/t.txt']];
      if (!pair.some((e) => e?.type === 'link')) throw new Error(`/d/h and /d/t.txt are not hardlinked: ${JSON.stringify(pair)}`);
    },
  },
];

for (const c of IN_CONTEXT) {
  test.serial(`in context: ${c.name}`, async (t) => {
    const tag = `inctx-${randomBytes(4).toString('hex')}:latest`;
    const r = await build(te.engine, contextOf([...c.entries(outside), { name: 'Dockerfile', file: `FROM busybox\n${c.dockerfile}\n` }]), { tags: [tag] });
    t.is(r.error, null, r.error?.message);
    const tree = await treeOf(tag);
    t.notThrows(() => c.check!(tree, outside));
  });
}

/**
 * The attack this part of the platform was first broken by, as a push makes
 * it: a committed symlink to a host directory (`/etc`, another team's git
 * repository) and a Dockerfile copying through it, or a buildpack app
 * carrying such links. No byte of the host reaches the image; the links
 * themselves stay links (Docker's behaviour).
 *
 * Source of the cases: the report that opened the tenant-isolation issue
 * (a Dockerfile `COPY etc/ /leak/` with `etc -> /etc` served the host's
 * shadow file; the same trick copied another team's repository).
 */
import test from 'ava';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBuilder } from '../../../platform/builds/builder.js';
import type { App, Builder } from '../../../platform/types.js';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { HOST_CA, provideStacks, seedStacks } from '../../helpers/stacks.js';
import { sourceTar } from './sources.js';

let te: TestEngine;
let builder: Builder;
let dir: string;
/** Stands for another team's bare repository on the host. */
let otherRepo: string;
const CANARY = `other-team-${randomBytes(10).toString('hex')}`;

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-escape-'));
  builder = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: HOST_CA });
  otherRepo = path.join(dir, 'git', 'other.git');
  await mkdir(otherRepo, { recursive: true });
  await writeFile(path.join(otherRepo, 'config'), `[core]\n\tsecret = ${CANARY}\n`);
});

test.after.always(async () => {
  await te?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const app: App = { id: randomUUID(), name: 'mallory', teamId: randomUUID(), teamName: 'evil', teamUsernsHostId: 1073741824, currentReleaseId: null, createdAt: new Date().toISOString() };

async function build(files: Record<string, string>, links: Record<string, string>) {
  const buildId = randomUUID();
  const sourcePath = path.join(dir, `${buildId}.tar`);
  await sourceTar(files, sourcePath, links);
  const lines: string[] = [];
  try {
    return { result: await builder.build({ app, buildId, sourcePath, env: {} }, (l) => lines.push(l)), lines, error: null };
  } catch (err) {
    return { result: null, lines, error: err as Error };
  }
}

test('a pushed Dockerfile copying through a symlink to /etc or to another repository gets nothing of the host', async (t) => {
  for (const dockerfile of ['COPY etc/ /leak/', 'COPY etc/shadow /leak', 'COPY repo/config /leak', 'COPY repo /leak', 'ADD etc/passwd /leak']) {
    const r = await build({ Dockerfile: `FROM busybox:latest\n${dockerfile}\n` }, { etc: '/etc', repo: otherRepo });
    t.truthy(r.error, `${dockerfile} built`);
    t.regex(r.error?.message ?? '', /^(COPY|ADD) failed: (file not found in build context|too many levels of symbolic links)/, dockerfile);
    t.false(r.lines.join('\n').includes(CANARY));
  }
});

test('links a pushed Dockerfile app copies as a whole stay links, resolved in the container', async (t) => {
  const r = await build({ Dockerfile: 'FROM busybox:latest\nCOPY . /app/\n' }, { etc: '/etc', repo: otherRepo });
  t.is(r.error, null, r.error?.message);
  const run = await runToEnd(te.engine, { image: r.result!.image, cmd: ['sh', '-c', 'readlink /app/etc; readlink /app/repo; cat /app/repo/config 2>&1; true'] });
  t.true(run.stdout.startsWith(`/etc\n${otherRepo}\n`), run.stdout);
  t.false(run.stdout.includes(CANARY), run.stdout);
});

test('a buildpack app carrying links to the host gets nothing of the host', async (t) => {
  t.timeout(10 * 60_000);
  await provideStacks(te.engine);
  const r = await build({ Procfile: 'web: sleep 1000\n' }, { etc: '/etc', repo: otherRepo, 'repo-config': `${otherRepo}/config` });
  t.is(r.error, null, r.error?.message);
  const run = await runToEnd(te.engine, { image: r.result!.image, cmd: ['sh', '-c', 'readlink /app/repo-config; cat /app/repo-config /app/repo/config 2>&1; true'] });
  t.true(run.stdout.startsWith(`${otherRepo}/config\n`), run.stdout);
  t.false(run.stdout.includes(CANARY), run.stdout);
});

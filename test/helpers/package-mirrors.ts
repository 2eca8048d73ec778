/**
 * Package mirrors for Python and Go buildpack tests (PyPI and the Go module
 * proxy are not reachable from build containers here): an "outside" host
 * (a network namespace, test/helpers/netns.ts) serving a directory over HTTP
 * (a directory answers its index.html, so `simple/<name>/` works), in
 * which tests lay out a PEP 503 "simple" index of wheels they make and a Go
 * module proxy (GOPROXY protocol: `<module>/@v/list`, `.info`, `.mod`, `.zip`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { createOutside, type Outside } from './netns.js';
import { writeTree } from './https-outside.js';

export interface PackageMirrors {
  /** `http://<address>/simple/`: the PEP 503 index (give it as PIP_INDEX_URL, with PIP_TRUSTED_HOST = host). */
  pipIndex: string;
  /** The mirror's address, for PIP_TRUSTED_HOST. */
  host: string;
  /** `http://<address>/goproxy`: the Go module proxy. */
  goProxy: string;
  /** Add a pure-Python wheel of `name==version` holding `files` (path → content); its `sha256:<hex>` hash. */
  addWheel(name: string, version: string, files: Record<string, string>, requires?: string[]): Promise<string>;
  /** Add module `mod` at `version` holding `files` (go.mod included); its two go.sum lines. */
  addGoModule(mod: string, version: string, files: Record<string, string>): Promise<string>;
  remove(): Promise<void>;
}

/** Start the mirror host on the test engine's address pool. */
export async function createPackageMirrors(pool: string): Promise<PackageMirrors> {
  const outside = await createOutside(pool);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tsp-mirrors-'));
  const web = path.join(dir, 'web');
  await fsp.mkdir(path.join(web, 'simple'), { recursive: true });
  const server = await serveDirectory(outside, web);
  const base = `http://${outside.address}`;
  return {
    pipIndex: `${base}/simple/`, host: outside.address, goProxy: `${base}/goproxy`,
    addWheel: (name, version, files, requires = []) => addWheel(dir, web, name, version, files, requires),
    addGoModule: (mod, version, files) => addGoModule(dir, path.join(web, 'goproxy'), mod, version, files),
    async remove() {
      server.kill();
      await outside.remove();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

const SERVE = `
const fs = require('fs'), path = require('path');
const [host, dir] = process.argv.slice(1);
require('http').createServer((req, res) => {
  let file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (file !== dir && !file.startsWith(dir + '/')) return res.writeHead(404).end();
  if (req.url.endsWith('/')) file = path.join(file, 'index.html');
  const type = file.endsWith('.html') ? 'text/html' : 'application/octet-stream';
  fs.readFile(file, (err, data) => (err ? res.writeHead(404).end() : res.writeHead(200, { 'Content-Type': type, 'Content-Length': data.length }).end(data)));
}).listen(80, host, () => process.stderr.write('ready\\n'));
`;

/** A file server on port 80 of the outside host (a directory URL answers its index.html), once it listens. */
async function serveDirectory(outside: Outside, web: string) {
  const child = spawn('ip', ['netns', 'exec', outside.ns, process.execPath, '-e', SERVE, outside.address, web], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the package mirror exited with ${code}`)));
  });
  return child;
}

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** A wheel (zip) made with the host's `zip`, listed in the simple index with its sha256. */
async function addWheel(dir: string, web: string, name: string, version: string, files: Record<string, string>, requires: string[]) {
  const dist = name.replace(/[-.]/g, '_');
  const tree = path.join(dir, 'wheels', `${dist}-${version}`);
  const info = `${dist}-${version}.dist-info`;
  const meta = ['Metadata-Version: 2.1', `Name: ${name}`, `Version: ${version}`, ...requires.map((r) => `Requires-Dist: ${r}`)];
  const all: Record<string, string> = {
    ...files,
    [`${info}/METADATA`]: `${meta.join('\n')}\n`,
    [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: tspaas-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  };
  all[`${info}/RECORD`] = [...Object.keys(all), `${info}/RECORD`].map((f) => `${f},,`).join('\n') + '\n';
  await writeTree(tree, all);
  const wheel = `${dist}-${version}-py3-none-any.whl`;
  await fsp.mkdir(path.join(web, 'files'), { recursive: true });
  await run('sh', ['-c', `cd "${tree}" && find . -exec touch -d 1980-01-02 {} + && zip -qXDr "${path.join(web, 'files', wheel)}" .`]);
  const sha = createHash('sha256').update(await fsp.readFile(path.join(web, 'files', wheel))).digest('hex');
  const project = path.join(web, 'simple', normalize(name));
  await fsp.mkdir(project, { recursive: true });
  const links = (await fsp.readFile(path.join(project, 'links'), 'utf8').catch(() => '')) + `<a href="../../files/${wheel}#sha256=${sha}">${wheel}</a><br>\n`;
  await fsp.writeFile(path.join(project, 'links'), links);
  await fsp.writeFile(path.join(project, 'index.html'), `<!DOCTYPE html>\n<html><body>\n${links}</body></html>\n`);
  return `sha256:${sha}`;
}

/** A module version in the proxy layout, and its go.sum lines (dirhash "h1:" of the zip's files and of go.mod). */
async function addGoModule(dir: string, proxy: string, mod: string, version: string, files: Record<string, string>) {
  const at = path.join(proxy, mod, '@v');
  await fsp.mkdir(at, { recursive: true });
  const tree = path.join(dir, 'modules', `${mod}@${version}`);
  await writeTree(tree, files);
  await run('sh', ['-c', `cd "${path.join(dir, 'modules')}" && zip -qXDr "${path.join(at, `${version}.zip`)}" "${mod}@${version}"`]);
  await fsp.writeFile(path.join(at, `${version}.mod`), files['go.mod']);
  await fsp.writeFile(path.join(at, `${version}.info`), JSON.stringify({ Version: version, Time: '2024-01-01T00:00:00Z' }));
  await fsp.appendFile(path.join(at, 'list'), `${version}\n`);
  const h1 = (entries: [string, string][]) => {
    const summary = entries.sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([n, c]) => `${createHash('sha256').update(c).digest('hex')}  ${n}\n`).join('');
    return `h1:${createHash('sha256').update(summary).digest('base64')}`;
  };
  const zipHash = h1(Object.entries(files).map(([n, c]) => [`${mod}@${version}/${n}`, c]));
  return `${mod} ${version} ${zipHash}\n${mod} ${version}/go.mod ${h1([['go.mod', files['go.mod']]])}\n`;
}

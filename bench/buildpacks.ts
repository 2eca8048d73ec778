/**
 * `npm run bench:buildpacks`: cold and warm buildpack builds of a small
 * express app and a static site on a real engine, with image and slug sizes.
 * Cold = empty app cache; warm = the source changed, lockfile not, same
 * cache. Stacks come from the shared test cache (built once when missing,
 * not timed). Prints a table, then one JSON line.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../buildpacks/build.js';
import type { BuildResult } from '../buildpacks/types.js';
import { startTestEngine, type TestEngine } from '../test/helpers/engine.js';
import { provideStacks, HOST_CA } from '../test/helpers/stacks.js';
import { writeApp } from '../test/helpers/apps.js';
import { expressApp } from '../test/helpers/node-app.js';

interface Row { app: string; cold: number; warm: number; slugMB: number; imageMB: number }

const te: TestEngine = await startTestEngine();
const temps: string[] = [];
try {
  await provideStacks(te.engine, (l) => process.stderr.write(`stacks: ${l}\n`));
  const rows = [
    await coldAndWarm('node (express)', expressApp('cold'), 'index.js', (s) => s.replace('cold', 'warm')),
    await coldAndWarm('static site', { 'index.html': '<h1>cold</h1>\n', 'style.css': 'body{}\n' }, 'index.html', (s) => s.replace('cold', 'warm')),
  ];
  printTable(rows);
  const node = rows[0];
  console.log(JSON.stringify({ date: '2026-11-22', rows, target: { warmNodeUnder5s: node.warm < 5 } }));
} finally {
  await te.cleanup();
  await Promise.all(temps.map((d) => fsp.rm(d, { recursive: true, force: true })));
}

/** Build once with an empty cache, change `file`, build again with the same cache. */
async function coldAndWarm(app: string, files: Record<string, string>, file: string, change: (s: string) => string): Promise<Row> {
  const source = await writeApp(files);
  const cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-bench-cache-'));
  temps.push(source, cacheDir);
  const tag = app.split(' ')[0];
  const cold = await timed(() => buildApp(te.engine, { source, tag: `bench-${tag}:cold`, cacheDir, caFile: HOST_CA }));
  await fsp.writeFile(path.join(source, file), change(await fsp.readFile(path.join(source, file), 'utf8')));
  const warm = await timed(() => buildApp(te.engine, { source, tag: `bench-${tag}:warm`, cacheDir, caFile: HOST_CA }));
  const image = await te.engine.images.get(`bench-${tag}:warm`);
  return { app, cold: cold.s, warm: warm.s, slugMB: round(warm.result.slugSize / 1e6), imageMB: round(image.size / 1e6) };
}

async function timed(fn: () => Promise<BuildResult>): Promise<{ s: number; result: BuildResult }> {
  const t0 = performance.now();
  const result = await fn();
  return { s: round((performance.now() - t0) / 1000), result };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function printTable(rows: Row[]): void {
  console.log('| app | cold build (s) | warm rebuild (s) | slug (MB) | image (MB) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.app} | ${r.cold} | ${r.warm} | ${r.slugMB} | ${r.imageMB} |`);
}

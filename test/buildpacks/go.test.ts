/**
 * The go buildpack on real build containers: go-getting-started's layout
 * with its module from a GOPROXY directory the test serves (the Go module
 * proxy is not reachable here), rebuilt from the module cache with no
 * network; a vendored app built with no network at all; each app runs and
 * answers with its expected body (fixtures/go-apps.ts names the sources).
 * Then one test per way the build fails, asserting the exact line a user sees.
 */
import test, { type ExecutionContext } from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';
import { createPackageMirrors, type PackageMirrors } from '../helpers/package-mirrors.js';
import * as apps from './fixtures/go-apps.js';

let te: TestEngine;
let mirrors: PackageMirrors;
let goSum: string;
/** One app's cache (CACHE_DIR) for the builds that compile: Go's build cache then holds the standard library after the first. */
let warmCache: string;
const dirs: string[] = [];
/** A build on a busy 2-core machine (four test files at once) can take minutes. */
const BUILD_TIMEOUT = 5 * 60 * 1000;
/** Bookworm's golang-go: the only Go the build stack has. */
const STACK_GO = 'go1.19.8';

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  mirrors = await createPackageMirrors(te.config.network.pool);
  goSum = await mirrors.addGoModule(apps.GREETING, apps.GREETING_VERSION, apps.greetingModule());
  warmCache = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-gocache-'));
  dirs.push(warmCache);
  await provideStacks(te.engine);
});
test.after.always(async () => {
  await mirrors?.remove();
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

interface BuildOpts { env?: Record<string, string>; network?: string; cacheDir?: string; source?: string }

async function build(files: Record<string, string>, tag: string, opts: BuildOpts = {}) {
  const source = opts.source ?? await writeApp(files);
  dirs.push(source);
  const lines: string[] = [];
  const result = await buildApp(te.engine, { source, tag, caFile: HOST_CA, onOutput: (l) => lines.push(l), ...opts, env: opts.env ?? {} })
    .catch((e: Error) => e);
  return { result, lines, source };
}

/** The build must succeed; its image's web process must answer `body`. */
async function answers(t: ExecutionContext, built: Awaited<ReturnType<typeof build>>, tag: string, body: string) {
  if (built.result instanceof Error) return t.fail(`${built.result.message}\n${built.lines.join('\n')}`);
  t.deepEqual(built.result.buildpacks.map((b) => b.name), ['Go']);
  const { url } = await serveImage(te.engine, tag);
  t.is((await httpGet(url)).body.toString(), body);
}

/** The build must fail, and the output must hold each of `expected` as a whole line. */
async function fails(t: ExecutionContext, files: Record<string, string>, expected: string[], opts: BuildOpts = {}) {
  t.timeout(BUILD_TIMEOUT);
  const { result, lines } = await build(files, 'gofail:latest', opts);
  t.true(result instanceof Error, lines.join('\n'));
  t.regex((result as Error).message, /^go: bin\/compile failed \(exit code 1\); see the output above$/);
  for (const line of expected) t.true(lines.includes(line), `missing: ${line}\n--- output:\n${lines.join('\n')}`);
  return lines;
}

test.serial('go-getting-started: its module from the GOPROXY of the config; a rebuild with no network uses the module cache', async (t) => {
  t.timeout(6 * 60 * 1000);
  const cacheDir = warmCache;
  const env = { GOPROXY: mirrors.goProxy };
  const first = await build(apps.gettingStarted(goSum), 'go-gs:1', { env, cacheDir });
  await answers(t, first, 'go-gs:1', apps.bodyOf('go-getting-started'));
  t.true(first.lines.includes(`-----> Downloading modules (GOPROXY=${mirrors.goProxy})`), first.lines.join('\n'));
  t.true(first.lines.includes(`       go.mod asks for go 1.19: building with ${STACK_GO}`));
  t.true(first.lines.includes('       github.com/heroku/go-getting-started/cmd/go-getting-started -> bin/go-getting-started'));
  const warm = await build({}, 'go-gs:2', { env, cacheDir, network: 'none', source: first.source });
  await answers(t, warm, 'go-gs:2', apps.bodyOf('go-getting-started'));
});

test.serial('mod-deps-vendored: vendor/modules.txt builds with -mod=vendor and no network at all', async (t) => {
  t.timeout(BUILD_TIMEOUT);
  const built = await build(apps.vendored(goSum), 'go-vendored:latest', { network: 'none', cacheDir: warmCache });
  await answers(t, built, 'go-vendored:latest', apps.bodyOf('vendored-app'));
  t.true(built.lines.includes('-----> Using vendored modules (vendor/modules.txt): -mod=vendor, nothing downloaded'), built.lines.join('\n'));
});

// One test per failure class: the exact lines a user sees in the push output.

test.serial('fails: go.mod asks for a newer go and toolchain than the stack has', async (t) => {
  await fails(t, apps.gettingStarted(goSum, 'go 1.23\n\ntoolchain go1.23.4'), [
    ` !     go.mod asks for go 1.23 (toolchain go1.23.4); this host has ${STACK_GO}`,
    ` !     Builds use the build stack's Go only (GOTOOLCHAIN=local, no toolchain download): set \`go 1.19.8\` in go.mod and drop the toolchain line if the code builds with ${STACK_GO}.`,
  ], { env: { GOPROXY: mirrors.goProxy } });
});

test.serial('fails: go.mod asks for a newer go (no toolchain line)', async (t) => {
  await fails(t, apps.gettingStarted(goSum, 'go 1.22.1'), [` !     go.mod asks for go 1.22.1; this host has ${STACK_GO}`]);
});

test.serial('fails: modules required, no vendor/ and no GOPROXY in the config', async (t) => {
  await fails(t, apps.gettingStarted(goSum), [
    ` !     go.mod requires modules that are not vendored and GOPROXY is off: go: ${apps.GREETING}@${apps.GREETING_VERSION}: module lookup disabled by GOPROXY=off`,
    ' !     Commit vendor/ (`go mod vendor`) or set GOPROXY in the app\'s config to a module proxy this build can reach.',
  ]);
});

test.serial('fails: the GOPROXY of the config is not reachable', async (t) => {
  const proxy = `http://${mirrors.host}:81/goproxy`;
  const lines = await fails(t, apps.gettingStarted(goSum), [], { env: { GOPROXY: proxy } });
  const prefix = ` !     the module proxy ${proxy} is not reachable from the build: go: ${apps.GREETING}@${apps.GREETING_VERSION}: Get "${proxy}/${apps.GREETING}/@v/${apps.GREETING_VERSION}.mod": dial tcp ${mirrors.host}:81: connect: connection refused`;
  t.true(lines.includes(prefix), lines.join('\n'));
});

test.serial('fails: vendor/modules.txt disagrees with go.mod', async (t) => {
  await fails(t, apps.vendored(goSum, 'v1.0.0'), [
    ' !     reading go.mod (go list -m) failed: go: inconsistent vendoring in /app:',
  ], { network: 'none' });
});

test.serial('fails: a compile error names the package and the first error', async (t) => {
  const files = { ...apps.vendored(goSum), 'main.go': 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Prinln("x")\n}\n' };
  await fails(t, files, [' !     go build example.com/vendored-app failed (exit code 2): ./main.go:6:6: undefined: fmt.Prinln'], { network: 'none', cacheDir: warmCache });
});

test.serial('fails: a module without a main package', async (t) => {
  await fails(t, { 'go.mod': 'module example.com/lib\n\ngo 1.19\n', 'lib.go': 'package lib\n\n// X is exported.\nconst X = 1\n' }, [
    ' !     no main package in example.com/lib (./...): nothing to build into bin/',
  ], { network: 'none' });
});

test.serial('fails: go.mod that go cannot parse', async (t) => {
  await fails(t, { 'go.mod': 'module example.com/bad\n\ngo 1.19\n\nrequire (\n', 'main.go': 'package main\n\nfunc main() {}\n' }, [
    ' !     reading go.mod (go list -m) failed: go: errors parsing go.mod:',
  ], { network: 'none' });
});

test.serial('fails: a required version the proxy does not have', async (t) => {
  const files = apps.gettingStarted('');
  files['go.mod'] = files['go.mod'].replace(apps.GREETING_VERSION, 'v1.9.9');
  const proxy = mirrors.goProxy;
  await fails(t, files, [
    ` !     go mod download failed: go: ${apps.GREETING}@v1.9.9: reading ${proxy}/${apps.GREETING}/@v/v1.9.9.mod: 404 Not Found`,
  ], { env: { GOPROXY: proxy } });
});

test.serial('fails: go.sum lacks the checksums and the checksum database is not reachable', async (t) => {
  const sumdb = `sum.golang.org http://${mirrors.host}:81`;
  const lines = await fails(t, apps.gettingStarted(''), [], { env: { GOPROXY: mirrors.goProxy, GOSUMDB: sumdb } });
  const prefix = ` !     checksums could not be verified (go.sum lacks them and the checksum database ${sumdb} is not reachable): `;
  t.true(lines.some((l) => l.startsWith(prefix) && l.includes('connection refused')), lines.join('\n'));
});

/**
 * The quick tier's list (ava.unit.config.js) against what its files import:
 * none may reach a helper that needs root, the engine, a daemon or a
 * database. Test-side imports are followed (helpers, fixtures, fake APIs);
 * the project's sources are not, since the tier runs them by design. The
 * other guard runs the tier itself unprivileged and without DATABASE_URL
 * (scripts/test-unit.sh).
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// By URL: the config is plain JavaScript, outside the typecheck.
const { UNIT_FILES } = await import(pathToFileURL(path.join(REPO, 'ava.unit.config.js')).href) as { UNIT_FILES: string[] };

/** Test helpers that need root, the real engine, a daemon, a registry or the suite's PostgreSQL/Redis. */
const HOST_HELPERS = ['apps', 'daemon', 'engine', 'engine-api', 'escape-probes', 'https-outside', 'netns', 'network-slot', 'package-mirrors',
  'platform', 'postgres', 'quota-store', 'registry', 'router', 'stacks', 'tmux'].map((h) => `test/helpers/${h}.ts`);
/** Harnesses that start the platform's database or the whole platform. */
const HARNESSES = ['test/platform/api/harness.ts', 'test/platform/e2e/world.ts', 'test/platform/builds/world.ts', 'test/platform/deploy/harness.ts'];
/** Packages that talk to a database, a queue or an engine. */
const PACKAGES = ['pg', 'ioredis', 'bull', 'dockerode', 'testcontainers'];
/** Text that means a database, the engine or a daemon. */
const MARKERS = /\b(DATABASE_URL|REDIS_URL|createEngine|startTestEngine|startDaemon|startPlatform)\b|programArgs\('(platform|router)\/main'\)|scripts\/services\.sh/;

/** The import specifiers of a TypeScript file (static, side-effect and dynamic imports). */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)'([^']+)'/g)].map((m) => m[1]!);
}

/** Why `file` (relative to the repo) cannot be in the quick tier, following test-side imports; [] when it can. */
function hostNeeds(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(path.join(REPO, file), 'utf8');
  const found: string[] = [];
  const marker = MARKERS.exec(text);
  if (marker) found.push(`${file} mentions ${marker[0]}`);
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) {
      if (PACKAGES.includes(spec)) found.push(`${file} imports ${spec}`);
      continue;
    }
    const target = path.relative(REPO, path.resolve(path.dirname(path.join(REPO, file)), spec.replace(/\.js$/, '.ts')));
    if (HOST_HELPERS.includes(target) || HARNESSES.includes(target) || target === 'runtime/engine.ts') found.push(`${file} imports ${target}`);
    else if (target.startsWith('test/') && existsSync(path.join(REPO, target))) found.push(...hostNeeds(target, seen));
  }
  return found;
}

test('every file of the quick tier exists and is part of the whole suite', (t) => {
  t.true(UNIT_FILES.length > 0);
  t.is(new Set(UNIT_FILES).size, UNIT_FILES.length, 'no file twice');
  for (const file of UNIT_FILES) {
    t.true(existsSync(path.join(REPO, file)), `${file} exists`);
    t.regex(file, /^test\/.+\.test\.ts$/, 'the whole suite runs test/**/*.test.ts');
  }
});

test('no file of the quick tier imports a helper that needs root, the engine, a daemon or a database', (t) => {
  // (This file names the markers it looks for.)
  const others = UNIT_FILES.filter((f) => f !== 'test/helpers/unit-tier.test.ts');
  t.deepEqual(others.flatMap((f) => hostNeeds(f)), []);
});

test('the guard itself finds the helpers of a file that needs the host', (t) => {
  t.deepEqual(hostNeeds('test/runtime/containers/names.test.ts'), ['test/runtime/containers/names.test.ts mentions startTestEngine', 'test/runtime/containers/names.test.ts imports test/helpers/engine.ts']);
  t.true(hostNeeds('test/platform/api/accounts.test.ts').some((n) => n.includes('test/platform/api/harness.ts')));
});

/**
 * The python buildpack on real build containers: apps with requirements.txt,
 * poetry.lock, uv.lock, Pipfile.lock and a plain pyproject.toml install from a
 * PEP 503 index the test serves itself (PyPI is not reachable here; the
 * wheels are made here, see fixtures/python-apps.ts for the sources the apps
 * are modelled on), then run and answer with their expected body; and one
 * test per way the build fails, asserting the exact line a user sees.
 */
import test, { type ExecutionContext } from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';
import { createPackageMirrors, type PackageMirrors } from '../helpers/package-mirrors.js';
import * as apps from './fixtures/python-apps.js';

let te: TestEngine;
let mirrors: PackageMirrors;
let hashes: apps.WheelHashes;
const dirs: string[] = [];
/** A build on a busy 2-core machine (four test files at once) can take minutes. */
const BUILD_TIMEOUT = 5 * 60 * 1000;
/** Bookworm's python3: the only Python the build stack has. */
const STACK_PYTHON = '3.11.2';

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  mirrors = await createPackageMirrors(te.config.network.pool);
  const made = [];
  for (const [name, version, files, requires] of apps.wheels()) made.push(await mirrors.addWheel(name, version, files, requires));
  hashes = { colour: made[0], greeting11: made[1], greeting12: made[2] };
  await provideStacks(te.engine);
});
test.after.always(async () => {
  await mirrors?.remove();
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

const indexEnv = () => ({ PIP_INDEX_URL: mirrors.pipIndex, PIP_TRUSTED_HOST: mirrors.host });

async function build(files: Record<string, string>, tag: string, env: Record<string, string> = indexEnv()) {
  const source = await writeApp(files);
  dirs.push(source);
  const lines: string[] = [];
  const result = await buildApp(te.engine, { source, tag, env, caFile: HOST_CA, onOutput: (l) => lines.push(l) })
    .catch((e: Error) => e);
  return { result, lines };
}

/** Build, run the image's web process and assert its body. */
async function buildsAndAnswers(t: ExecutionContext, files: Record<string, string>, tag: string, body: string) {
  t.timeout(BUILD_TIMEOUT);
  const { result, lines } = await build(files, tag);
  if (result instanceof Error) return t.fail(`${result.message}\n${lines.join('\n')}`);
  t.deepEqual(result.buildpacks.map((b) => b.name), ['Python']);
  const { url } = await serveImage(te.engine, tag);
  t.is((await httpGet(url)).body.toString(), body);
  return lines;
}

/** Build must fail, and the output must hold each of `expected` as a whole line. */
async function fails(t: ExecutionContext, files: Record<string, string>, expected: string[], env?: Record<string, string>) {
  t.timeout(BUILD_TIMEOUT);
  const { result, lines } = await build(files, 'pyfail:latest', env);
  t.true(result instanceof Error, lines.join('\n'));
  t.regex((result as Error).message, /^python: bin\/compile failed \(exit code 1\); see the output above$/);
  for (const line of expected) t.true(lines.includes(line), `missing: ${line}\n--- output:\n${lines.join('\n')}`);
  return lines;
}

test.serial('python-getting-started: requirements.txt and .python-version 3.11 from the test index', async (t) => {
  const lines = await buildsAndAnswers(t, apps.gettingStarted(), 'py-gs:latest', apps.bodyOf('getting-started', '1.2.0'));
  t.true(lines.includes(`       .python-version asks for Python 3.11: using the stack's Python ${STACK_PYTHON}`), lines.join('\n'));
  t.true(lines.includes(`       Package index: ${mirrors.pipIndex}`));
});

test.serial('a rebuild with the same dependencies reuses the last virtualenv with no network; a changed lockfile or index installs again', async (t) => {
  t.timeout(BUILD_TIMEOUT);
  const cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-pycache-'));
  dirs.push(cacheDir);
  const files = apps.poetryBasic(hashes);
  const again = async (changed: Record<string, string>, tag: string, env: Record<string, string> = indexEnv(), network?: string) => {
    const source = await writeApp({ ...files, ...changed });
    dirs.push(source);
    const lines: string[] = [];
    const result = await buildApp(te.engine, { source, tag, env, cacheDir, network, caFile: HOST_CA, onOutput: (l) => lines.push(l) }).catch((e: Error) => e);
    if (result instanceof Error) throw new Error(`${result.message}\n${lines.join('\n')}`);
    return { lines, result };
  };
  await again({}, 'py-warm:1');
  const warm = await again({ 'app.py': files['app.py'].replace("greet('poetry')", "greet('warm')") }, 'py-warm:2', indexEnv(), 'none');
  t.true(warm.lines.includes('-----> Dependencies unchanged since the last build: its virtualenv is reused (nothing installed)'), warm.lines.join('\n'));
  t.true(warm.result.reusedLayers.some((k) => k.startsWith('python-venv-v1-')));
  const { url } = await serveImage(te.engine, 'py-warm:2');
  t.is((await httpGet(url)).body.toString(), apps.bodyOf('warm'));
  // Another index is another install (an operator's mirror may serve other files).
  const moved = await again({}, 'py-warm:3', { ...indexEnv(), PIP_EXTRA_INDEX_URL: mirrors.pipIndex });
  t.true(moved.lines.includes('-----> Installing poetry.lock with pip'), moved.lines.join('\n'));
});

test.serial('poetry_basic: poetry.lock pins 1.1.0 (the index has 1.2.0) with hashes; the dev group is not installed', async (t) => {
  const lines = await buildsAndAnswers(t, apps.poetryBasic(hashes), 'py-poetry:latest', apps.bodyOf('poetry'));
  t.true(lines.includes('       2 packages pinned by poetry.lock (with their hashes)'), lines.join('\n'));
  const dev = await runToEnd(te.engine, { image: 'py-poetry:latest', cmd: ['pip list --format=freeze | grep -ci devtool || true'] });
  t.is(dev.stdout, '0\n');
});

test.serial('uv_basic: uv.lock pins 1.1.0 with hashes; the dev dependency group is not installed', async (t) => {
  const lines = await buildsAndAnswers(t, apps.uvBasic(hashes), 'py-uv:latest', apps.bodyOf('uv'));
  t.true(lines.includes('       2 packages pinned by uv.lock (with their hashes)'), lines.join('\n'));
});

test.serial('pipenv_basic: Pipfile.lock default section pinned with hashes and markers; develop is not installed', async (t) => {
  const lines = await buildsAndAnswers(t, apps.pipenvBasic(hashes), 'py-pipenv:latest', apps.bodyOf('pipenv'));
  t.true(lines.includes('       2 packages pinned by Pipfile.lock (with their hashes)'), lines.join('\n'));
});

test.serial('pyproject_toml_only: PEP 621 dependencies without a lockfile get the newest matching version', async (t) => {
  const lines = await buildsAndAnswers(t, apps.pyprojectOnly(), 'py-pep621:latest', apps.bodyOf('pyproject', '1.2.0'));
  t.true(lines.includes('       1 dependencies of pyproject.toml (no lockfile: pip picks their versions)'), lines.join('\n'));
});

// One test per failure class: the exact lines a user sees in the push output.

test.serial('fails: .python-version asks for a Python the stack does not have (python_version_file fixture, 3.12)', async (t) => {
  await fails(t, { ...apps.gettingStarted(), '.python-version': '3.12\n' }, [
    ` !     .python-version asks for Python 3.12; this stack has only Python ${STACK_PYTHON} (Debian's python3).`,
    ` !     Ask for 3.11 or ${STACK_PYTHON} in .python-version to use it; no other Python is installed here.`,
  ]);
});

test.serial('fails: runtime.txt asks for another patch release (runtime_txt fixture, python-3.11.9)', async (t) => {
  const { '.python-version': _, ...files } = apps.gettingStarted();
  await fails(t, { ...files, 'runtime.txt': 'python-3.11.9\n' }, [
    ` !     runtime.txt asks for Python 3.11.9; this stack has only Python ${STACK_PYTHON} (Debian's python3).`,
  ]);
});

test.serial('fails: runtime.txt without the python- prefix', async (t) => {
  await fails(t, { ...apps.appFiles('x'), 'requirements.txt': '\n', 'runtime.txt': '3.11.2\n' }, [
    ` !     runtime.txt says '3.11.2': it must be python-<version>, e.g. python-${STACK_PYTHON}`,
  ]);
});

test.serial('fails: pyproject.toml requires-python excludes the stack Python', async (t) => {
  await fails(t, apps.pyprojectOnly('>=3.12'), [
    ` !     pyproject.toml requires Python >=3.12; this stack has only Python ${STACK_PYTHON} (Debian's python3)`,
  ]);
});

test.serial('fails: Pipfile.lock asks for another Python', async (t) => {
  await fails(t, apps.pipenvBasic(hashes, '3.12'), [
    ` !     Pipfile.lock asks for Python 3.12; this stack has only Python ${STACK_PYTHON} (Debian's python3)`,
  ]);
});

test.serial('fails: the package index is not reachable (nothing listens on PIP_INDEX_URL)', async (t) => {
  const index = `http://${mirrors.host}:81/simple/`;
  await fails(t, apps.gettingStarted(), [
    ` !     pip could not reach the package index ${index} to install requirements.txt (exit code 1): No matching distribution found for hello-greeting==1.2.0`,
    ' !     Set PIP_INDEX_URL (and PIP_EXTRA_INDEX_URL) in the app\'s config to an index this build can reach.',
  ], { PIP_INDEX_URL: index, PIP_TRUSTED_HOST: mirrors.host });
});

test.serial('fails: a downloaded wheel does not match the hash in poetry.lock', async (t) => {
  await fails(t, apps.poetryBasic(hashes, hashes.greeting12), [
    ' !     pip refused a download for the packages of poetry.lock: its hash is not the one in the lockfile (hello-greeting==1.1.0)',
  ]);
});

test.serial('fails: a pinned version the index does not have', async (t) => {
  await fails(t, { ...apps.gettingStarted(), 'requirements.txt': 'hello-greeting==9.9.9\n' }, [
    ' !     pip could not install requirements.txt (exit code 1): No matching distribution found for hello-greeting==9.9.9',
  ]);
});

test.serial('fails: Pipfile without Pipfile.lock, and a Poetry project without poetry.lock', async (t) => {
  const { 'Pipfile.lock': _, ...pipfileOnly } = apps.pipenvBasic(hashes);
  await fails(t, pipfileOnly, [' !     Pipfile without Pipfile.lock: run `pipenv lock` and commit Pipfile.lock']);
  const { 'poetry.lock': __, ...poetryOnly } = apps.poetryBasic(hashes);
  await fails(t, poetryOnly, [' !     pyproject.toml is a Poetry project without poetry.lock: run `poetry lock` and commit poetry.lock']);
});

test.serial('fails: two package managers\' files (requirements.txt and poetry.lock)', async (t) => {
  await fails(t, { ...apps.poetryBasic(hashes), 'requirements.txt': 'hello-greeting==1.2.0\n' }, [
    ' !     found requirements.txt, poetry.lock: several package managers\' files; keep only the one of the package manager the app uses',
  ]);
});

test.serial('fails: a uv.lock that is not TOML', async (t) => {
  await fails(t, { ...apps.uvBasic(hashes), 'uv.lock': 'version = 1\n[[package]\n' }, [
    ' !     uv.lock is not valid TOML: Expected \']]\' at the end of an array declaration (at line 2, column 10)',
  ]);
});

test.serial('fails: an unexpected failure names the command (a file where .profile.d must be a directory)', async (t) => {
  const lines = await fails(t, { ...apps.appFiles('x'), 'requirements.txt': '\n', '.profile.d': 'not a directory\n' }, [
    ' !     python: `mkdir -p "$BUILD_DIR/.profile.d"` failed (exit code 1) at compile line 26',
  ]);
  t.true(lines.some((l) => l.includes('mkdir: cannot create directory') && l.includes('File exists')), lines.join('\n'));
});

test.serial('lockfiles that cannot be installed as they are: lib/lockfile.py says why, in the build stack', async (t) => {
  // Shapes of real lockfiles that pip cannot install from an index: git/path sources (poetry's and uv's
  // documented source types, pipenv's `editable = true`), stale locks, hand-edited or truncated files.
  const pkg = (name: string, extra = '') => `[[package]]\nname = "${name}"\nversion = "1.0.0"\n${extra}\n`;
  const poetryProject = { 'pyproject.toml': '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"\nhello-greeting = "*"\n' };
  const cases: Record<string, [string, Record<string, string>, string]> = {
    'poetry-git': ['poetry', { ...poetryProject, 'poetry.lock': pkg('hello-greeting', '[package.source]\ntype = "git"\nurl = "https://github.com/x/y.git"\n') },
      'poetry.lock: hello-greeting comes from a git source; only index packages can be installed here'],
    'poetry-stale': ['poetry', { ...poetryProject, 'poetry.lock': pkg('colour-word') },
      'poetry.lock has no package hello-greeting: run `poetry lock` again and commit it'],
    'poetry-shape': ['poetry', { ...poetryProject, 'poetry.lock': 'package = 3\n' },
      'poetry lockfile of an unexpected shape (TypeError: \'int\' object is not iterable)'],
    'uv-no-root': ['uv', { 'uv.lock': `version = 1\n${pkg('colour-word', 'source = { registry = "https://pypi.org/simple" }')}` },
      'uv.lock has no project package (source editable or virtual): was it made by `uv lock`?'],
    'uv-missing': ['uv', { 'uv.lock': `version = 1\n${pkg('app', 'source = { virtual = "." }\ndependencies = [{ name = "colour-word" }]')}` },
      'uv.lock: the dependency colour-word has no [[package]] entry'],
    'uv-git': ['uv', { 'uv.lock': `version = 1\n${pkg('app', 'source = { virtual = "." }\ndependencies = [{ name = "colour-word" }]')}${pkg('colour-word', 'source = { git = "https://github.com/x/y?rev=main" }')}` },
      'uv.lock: colour-word comes from git https://github.com/x/y?rev=main; only index packages can be installed here'],
    'pipenv-json': ['pipenv', { 'Pipfile.lock': '{"default": \n' },
      'Pipfile.lock is not valid JSON: Expecting value: line 2 column 1 (char 13)'],
    'pipenv-editable': ['pipenv', { 'Pipfile.lock': JSON.stringify({ default: { mylib: { editable: true, path: './mylib' } } }) },
      'Pipfile.lock: mylib is a path dependency (./mylib); only index packages can be installed here'],
    'pipenv-unpinned': ['pipenv', { 'Pipfile.lock': JSON.stringify({ default: { 'colour-word': { version: '*' } } }) },
      'Pipfile.lock: colour-word has no pinned version (`pipenv lock` writes one)'],
    'pep621-specifier': ['pep621', { 'pyproject.toml': '[project]\nname = "x"\nrequires-python = "three"\n' },
      'pyproject.toml has an invalid requires-python \'three\': Invalid specifier: \'three\''],
  };
  const root = await writeApp(Object.fromEntries(Object.entries(cases).flatMap(([dir, [, files]]) =>
    Object.entries(files).map(([f, c]) => [`${dir}/${f}`, c]))));
  dirs.push(root);
  const script = 'python3 -m venv /tmp/v >/dev/null && for c in ' + Object.entries(cases).map(([dir, [kind]]) => `${dir}:${kind}`).join(' ')
    + '; do echo "== ${c%%:*}"; /tmp/v/bin/python /bp/lib/lockfile.py "${c#*:}" "/cases/${c%%:*}" 2>&1; echo "rc=$?"; done';
  const r = await runToEnd(te.engine, {
    image: 'tspaas/build-stack:bookworm', cmd: ['bash', '-c', script],
    mounts: [{ type: 'bind', source: path.resolve('buildpacks/python'), target: '/bp', readOnly: true },
      { type: 'bind', source: root, target: '/cases', readOnly: true }],
  });
  await te.engine.removeContainer(r.id, { force: true });
  const expected = Object.entries(cases).map(([dir, [, , message]]) => `== ${dir}\n${message}\nrc=2\n`).join('');
  t.is(r.stdout, expected);
});

test.serial('fails: .python-version that is not a Python 3 version (pyenv\'s pypy3.10)', async (t) => {
  await fails(t, { ...apps.gettingStarted(), '.python-version': 'pypy3.10\n' }, [
    ` !     .python-version says 'pypy3.10': expected a Python 3 version such as 3.11 or ${STACK_PYTHON}`,
  ]);
});

/**
 * The rest of the corpus: Python and Go apps (their packages from the index
 * and module proxy the test serves, since PyPI and proxy.golang.org are not
 * reachable here), static sites, a Procfile-only app, a worker-only app and
 * Dockerfile apps, each named after the public app or fixture it is modelled
 * on. The Python and Go files are those of the buildpack tests' fixtures.
 */
import * as py from '../../../buildpacks/fixtures/python-apps.js';
import * as go from '../../../buildpacks/fixtures/go-apps.js';
import type { CorpusApp, CorpusContext } from './types.js';

/** The config of a Python app: the test's index in place of PyPI. */
const pipIndex = ({ mirrors }: CorpusContext) => ({ PIP_INDEX_URL: mirrors.pipIndex, PIP_TRUSTED_HOST: mirrors.host });

/** The Python apps of the corpus (heroku/python-getting-started and heroku/heroku-buildpack-python's test/fixtures). */
export const pythonApps: CorpusApp[] = [
  {
    name: 'python-getting-started', source: 'heroku/python-getting-started (requirements.txt, .python-version)',
    files: () => py.gettingStarted(), config: pipIndex, body: py.bodyOf('getting-started', '1.2.0'),
  },
  {
    name: 'poetry-basic', source: 'heroku/heroku-buildpack-python test/fixtures/poetry_basic (poetry.lock, a dev group not installed)',
    files: (ctx) => py.poetryBasic(ctx.wheels), config: pipIndex, body: py.bodyOf('poetry'),
  },
  {
    name: 'uv-basic', source: 'heroku/heroku-buildpack-python test/fixtures/uv_basic (uv.lock)',
    files: (ctx) => py.uvBasic(ctx.wheels), config: pipIndex, body: py.bodyOf('uv'),
  },
  {
    name: 'pipenv-basic', source: 'heroku/heroku-buildpack-python test/fixtures/pipenv_basic (Pipfile.lock)',
    files: (ctx) => py.pipenvBasic(ctx.wheels), config: pipIndex, body: py.bodyOf('pipenv'),
  },
  {
    name: 'pyproject-only', source: 'heroku/heroku-buildpack-python test/fixtures/pyproject_toml_only (PEP 621 dependencies, no lockfile)',
    files: () => py.pyprojectOnly(), config: pipIndex, body: py.bodyOf('pyproject', '1.2.0'),
  },
];

/** The Go apps of the corpus (heroku/go-getting-started and heroku/heroku-buildpack-go's test fixtures). */
export const goApps: CorpusApp[] = [
  {
    name: 'go-getting-started', source: 'heroku/go-getting-started (cmd/<name>, `// +heroku install`, GOPROXY from the config)',
    files: (ctx) => go.gettingStarted(ctx.goSum), config: ({ mirrors }) => ({ GOPROXY: mirrors.goProxy }), body: go.bodyOf('go-getting-started'),
    lines: ['       github.com/heroku/go-getting-started/cmd/go-getting-started -> bin/go-getting-started'],
  },
  {
    name: 'go-vendored', source: 'heroku/heroku-buildpack-go test/fixtures/mod-deps-vendored (vendor/modules.txt, no proxy)',
    files: (ctx) => go.vendored(ctx.goSum), body: go.bodyOf('vendored-app'),
    lines: ['-----> Using vendored modules (vendor/modules.txt): -mod=vendor, nothing downloaded'],
  },
];

/** Static sites, Procfile-only and worker-only apps. */
export const plainApps: CorpusApp[] = [
  {
    name: 'static-hello', source: 'heroku/heroku-buildpack-static spec/fixtures/hello_world (index.html at the top)',
    files: () => ({ 'index.html': '<!DOCTYPE html>\n<h1>Hello World</h1>\n' }), body: '<!DOCTYPE html>\n<h1>Hello World</h1>\n',
  },
  {
    name: 'static-clean-urls', source: 'heroku/heroku-buildpack-static spec/fixtures/clean_urls (static.json: root public/, clean_urls)',
    files: () => ({
      'static.json': JSON.stringify({ root: 'public/', clean_urls: true }),
      'public/index.html': '<h1>home</h1>\n', 'public/about.html': '<h1>about us</h1>\n',
    }),
    path: '/about', body: '<h1>about us</h1>\n',
  },
  {
    name: 'procfile-only', source: 'Heroku Dev Center "Procfile" (an app with only a Procfile and files; no language detected)',
    files: () => ({ Procfile: 'web: python3 -m http.server "$PORT" --directory site\n', 'site/index.html': 'served by the Procfile\n' }),
    body: 'served by the Procfile\n',
  },
  {
    name: 'worker-only', source: 'Heroku Dev Center "Background Jobs in Node.js" (a Procfile with `worker:` only)',
    files: () => ({ Procfile: 'worker: while true; do echo "working as $DYNO"; sleep 5; done\n' }),
    body: null, processes: ['worker.1'],
    lines: ['Scaled worker to 1: the first process type of the Procfile (there is no web process)'],
  },
];

/** Dockerfile apps (dokku/dokku tests/apps/dockerfile and dockerfile-procfile, on busybox instead of node). */
export const dockerfileApps: CorpusApp[] = [
  {
    name: 'dockerfile-expose', source: 'dokku/dokku tests/apps/dockerfile (EXPOSE 3000, CMD ignoring PORT: PORT comes from EXPOSE)',
    files: () => ({ Dockerfile: 'FROM busybox:latest\nRUN mkdir /www && echo exposed > /www/index.html\nEXPOSE 3000\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n' }),
    body: 'exposed\n',
  },
  {
    name: 'dockerfile-procfile', source: 'dokku/dokku tests/apps/dockerfile-procfile (Dockerfile plus a Procfile naming the web command)',
    files: () => ({
      Dockerfile: 'FROM busybox:latest\nRUN mkdir /www && echo from-procfile > /www/index.html\n',
      Procfile: 'web: httpd -f -p $PORT -h /www\n',
    }),
    body: 'from-procfile\n',
  },
  {
    name: 'dockerfile-node-mirror', source: 'dokku/dokku tests/apps/dockerfile (FROM node:20), pulled through `tspaasd --registry-mirror`',
    files: () => ({ Dockerfile: 'FROM node:20\nRUN mkdir /www && cp /origin /www/index.html\nEXPOSE 5000\nCMD httpd -f -p $PORT -h /www\n' }),
    body: 'served-from-the-mirror\n',
  },
];

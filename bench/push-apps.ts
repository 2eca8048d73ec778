/**
 * The apps `bench:buildpacks` pushes: the buildpack tests' fixtures, i.e.
 * what Heroku users push — heroku/node-js-sample without a lockfile, an
 * express app with its package-lock.json, the Yarn 1, Yarn 4 (Plug'n'Play)
 * and pnpm 9 fixtures modelled on heroku/heroku-buildpack-nodejs's test
 * fixtures (test/buildpacks/fixtures/nodejs/), heroku/python-getting-started's
 * layout (test/buildpacks/fixtures/python-apps.ts) installing from a PEP 503
 * index the bench serves, and a two-file static site. A warm push changes
 * one line of source: `marker`, which occurs once in `file` and in the body
 * the app answers, gets the push's tag in front of it.
 */
import { expressApp } from '../test/helpers/node-app.js';
import { readNodeFixture as readFixture } from '../test/buildpacks/fixtures/nodejs/read.js';
import * as python from '../test/buildpacks/fixtures/python-apps.js';

/** Where the Python app installs from (the bench's package index). */
export interface PipIndex {
  url: string;
  host: string;
}

export interface BenchApp {
  /** The app's name on the platform (and the row's key in the JSON). */
  name: string;
  /** What it is, for the table. */
  label: string;
  /** True for the Node.js apps (whose cold pushes count Node tarball downloads). */
  node: boolean;
  /** Its source tree (path → content). */
  files(): Promise<Record<string, string>>;
  /** The file a warm push changes, and the text in it (and in the body) that the change tags. */
  file: string;
  marker: string;
  /** What the first (cold) push serves at `/`. */
  body: string;
  /** Config vars set before the first push. */
  config?(index: PipIndex): Record<string, string>;
}

/** The file and body of a push tagged `tag` ('' = the app as it is). */
export function changed(app: BenchApp, original: string, tag: string): { content: string; body: string } {
  if (original.split(app.marker).length !== 2) throw new Error(`${app.name}: "${app.marker}" must occur exactly once in ${app.file}`);
  const tagged = tag ? `[${tag}] ${app.marker}` : app.marker;
  return { content: original.replace(app.marker, tagged), body: app.body.replace(app.marker, tagged) };
}

/** The seven apps of the benchmark, in push order. */
export const BENCH_APPS: readonly BenchApp[] = [
  {
    name: 'node-nolock', label: 'Node, no lockfile (heroku/node-js-sample: npm install)', node: true,
    files: () => readFixture('node-js-sample'), file: 'index.js', marker: 'Hello World!', body: 'Hello World!',
  },
  {
    name: 'node-npm', label: 'Node, npm (express + package-lock.json: npm ci)', node: true,
    files: async () => expressApp('bench'), file: 'index.js', marker: 'bench from express', body: 'bench from express',
  },
  {
    name: 'node-yarn1', label: 'Node, Yarn 1 (yarn.lock v1)', node: true,
    files: () => readFixture('yarn-1'), file: 'index.js', marker: 'yarn 1: ', body: 'yarn 1: 1m',
  },
  {
    name: 'node-yarn4', label: 'Node, Yarn 4 (packageManager, Plug\'n\'Play)', node: true,
    files: () => readFixture('yarn-4-pnp'), file: 'index.js', marker: 'yarn 4 pnp: ', body: 'yarn 4 pnp: 1m',
  },
  {
    name: 'node-pnpm', label: 'Node, pnpm 9 (pnpm-lock.yaml)', node: true,
    files: () => readFixture('pnpm-9'), file: 'index.js', marker: 'pnpm 9: ', body: 'pnpm 9: 1m',
  },
  {
    name: 'python', label: 'Python (python-getting-started layout: requirements.txt)', node: false,
    files: async () => python.gettingStarted(), file: 'app.py', marker: 'getting-started', body: python.bodyOf('getting-started', '1.2.0'),
    config: (index) => ({ PIP_INDEX_URL: index.url, PIP_TRUSTED_HOST: index.host }),
  },
  {
    name: 'static', label: 'static site (index.html + style.css)', node: false,
    files: async () => ({ 'index.html': '<!DOCTYPE html>\n<h1>static site</h1>\n', 'style.css': 'h1 { color: green; }\n' }),
    file: 'index.html', marker: 'static site', body: '<!DOCTYPE html>\n<h1>static site</h1>\n',
  },
];

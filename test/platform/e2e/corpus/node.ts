/**
 * The Node.js half of the corpus: apps as Heroku users push them, each named
 * after the public app or buildpack fixture it is modelled on. The fixtures of
 * test/buildpacks/fixtures/nodejs (lockfiles written by the managers
 * themselves) are pushed as they are; the apps written here are small and
 * have no lockfile, or one with no dependencies in it, so that nothing here
 * stands in for what a package manager would write.
 */
import { readNodeFixture } from '../../../buildpacks/fixtures/nodejs/read.js';
import { expressApp } from '../../../helpers/node-app.js';
import type { CorpusApp } from './types.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A file answering on $PORT with `body`, a JavaScript expression. */
const server = (body: string) =>
  `const http = require('http');\nhttp.createServer((req, res) => res.end(${body})).listen(process.env.PORT);\n`;

/** A lockfile of npm 7+ for a package with no dependencies (what `npm install` writes for it). */
const emptyLock = (name: string) =>
  json({ name, version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name, version: '1.0.0' } } });

/** The Node.js apps of the corpus. */
export const nodeApps: CorpusApp[] = [
  {
    name: 'node-js-sample',
    source: 'heroku/node-js-sample (Express 4, no lockfile)',
    files: () => readNodeFixture('node-js-sample'),
    body: 'Hello World!',
    lines: ['       no lockfile: npm resolves the versions (commit the lockfile it writes for repeatable builds)'],
  },
  {
    name: 'express-hello',
    source: 'expressjs.com "Hello world example" (three lines of Express 5, no engines, no lockfile)',
    files: () => ({
      'package.json': json({ name: 'express-hello', version: '1.0.0', main: 'index.js', dependencies: { express: '^5.1.0' } }),
      Procfile: 'web: node index.js\n',
      'index.js': "const express = require('express');\nconst app = express();\n"
        + "app.get('/', (req, res) => res.send(`Hello World! express ${require('express/package.json').version.split('.')[0]}, node ${process.versions.node.split('.')[0]}`));\n"
        + 'app.listen(process.env.PORT);\n',
    }),
    // Heroku's default Node.js when package.json names none is the current LTS line, 22.
    body: 'Hello World! express 5, node 22',
  },
  {
    name: 'typescript-getting-started',
    source: 'heroku/typescript-getting-started (tsc in `build`, typescript a devDependency, no lockfile)',
    files: () => ({
      'package.json': json({
        name: 'typescript-getting-started', version: '1.0.0', private: true, engines: { node: '20.x' },
        scripts: { build: 'tsc', start: 'node dist/index.js' }, devDependencies: { typescript: '^5.6.0', '@types/node': '^20.0.0' },
      }),
      'tsconfig.json': json({ compilerOptions: { target: 'es2022', module: 'commonjs', outDir: 'dist', strict: true, esModuleInterop: true }, include: ['src'] }),
      'src/index.ts': "import http from 'node:http';\n\nconst port: number = Number(process.env.PORT ?? 5006);\n"
        + "http.createServer((_req, res) => res.end('Hello from TypeScript')).listen(port);\n",
    }),
    body: 'Hello from TypeScript',
    lines: ['-----> Running build', '-----> Pruning devDependencies'],
  },
  {
    name: 'express-lockfile',
    source: 'heroku/node-js-getting-started (Express 4 with package-lock.json: npm ci)',
    files: () => expressApp('getting started'),
    body: 'getting started from express',
  },
  {
    name: 'yarn-1',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/yarn (yarn.lock v1, heroku-prebuild and heroku-postbuild)',
    files: () => readNodeFixture('yarn-1'),
    body: 'yarn 1: 1m',
    lines: ['-----> Running heroku-prebuild', '-----> Running heroku-postbuild'],
  },
  {
    name: 'yarn-4-pnp',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/yarn-2-pnp (packageManager yarn@4, Plug\'n\'Play)',
    files: () => readNodeFixture('yarn-4-pnp'),
    body: 'yarn 4 pnp: 1m',
  },
  {
    name: 'pnpm-9',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/pnpm-9 (pnpm-lock.yaml 9.0)',
    files: () => readNodeFixture('pnpm-9'),
    body: 'pnpm 9: 1m',
  },
  {
    name: 'pnpm-workspaces',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/pnpm-workspaces (packageManager pnpm@9 with its hash)',
    files: () => readNodeFixture('pnpm-workspaces'),
    body: 'pnpm workspaces: 1m',
  },
  {
    name: 'npm-workspaces',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/workspaces (npm workspaces, a package with its own node_modules)',
    files: () => readNodeFixture('npm-workspaces'),
    body: 'npm workspaces: 2.1.3 2.0.0',
  },
  {
    name: 'yarn-workspaces',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/yarn-workspace (Yarn 1 workspaces: a package using its sibling)',
    files: async () => ({
      'package.json': json({ name: 'yarn-workspaces', version: '1.0.0', private: true, engines: { node: '20.x' }, workspaces: ['packages/*'], scripts: { start: 'node packages/web/index.js' } }),
      // Yarn 1 lists registry packages only; workspace packages are linked, not locked.
      'yarn.lock': (await readNodeFixture('yarn-1'))['yarn.lock'].replace(/\nis-number@[^]*?\n\n/, '\n'),
      'packages/greeting/package.json': json({ name: 'greeting', version: '1.0.0', main: 'index.js' }),
      'packages/greeting/index.js': "module.exports = (who) => 'hello ' + who;\n",
      'packages/web/package.json': json({ name: 'web', version: '1.0.0', private: true, dependencies: { greeting: '1.0.0', ms: '2.1.3' } }),
      'packages/web/index.js': server("'yarn workspaces: ' + require('greeting')(require('ms')(60000))"),
    }),
    body: 'yarn workspaces: hello 1m',
  },
  {
    name: 'package-manager-npm',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/npm-engine-packagemanager ("packageManager": "npm@10.9.2", as corepack reads it)',
    files: () => ({
      'package.json': json({
        name: 'package-manager-npm', version: '1.0.0', private: true, packageManager: 'npm@10.9.2', engines: { node: '20.x' },
        scripts: { 'heroku-postbuild': 'npm --version > npm-version.txt', start: 'node index.js' },
      }),
      'package-lock.json': emptyLock('package-manager-npm'),
      'index.js': server("'npm ' + require('fs').readFileSync('npm-version.txt', 'utf8').trim()"),
    }),
    body: 'npm 10.9.2',
  },
  {
    name: 'engines-npm',
    source: 'heroku/heroku-buildpack-nodejs test/fixtures/engines-npm (engines.npm "9.x" beside engines.node)',
    files: () => ({
      'package.json': json({
        name: 'engines-npm', version: '1.0.0', private: true, engines: { node: '20.x', npm: '9.x' },
        scripts: { 'heroku-postbuild': 'npm --version > npm-version.txt', start: 'node index.js' },
      }),
      'package-lock.json': emptyLock('engines-npm'),
      'index.js': server("'npm ' + require('fs').readFileSync('npm-version.txt', 'utf8').trim()"),
    }),
    // 9.9.4 is the last npm 9.
    body: 'npm 9.9.4',
  },
  {
    name: 'keep-dev-dependencies',
    source: 'Heroku Dev Center "Node.js: skip pruning devDependencies" (NPM_CONFIG_PRODUCTION=false, NODE_ENV as config vars)',
    files: () => ({
      ...expressApp('unused'),
      'index.js': server("`${process.env.NODE_ENV}: is-number ${require('is-number/package.json').version} kept`"),
    }),
    config: () => ({ NPM_CONFIG_PRODUCTION: 'false', NODE_ENV: 'staging' }),
    body: 'staging: is-number 7.0.0 kept',
    lines: ['-----> Keeping devDependencies (NPM_CONFIG_PRODUCTION=false NODE_ENV=staging)'],
  },
];

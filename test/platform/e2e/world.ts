/**
 * The world of the platform's end-to-end tests: a real tspaasd + router
 * (test/helpers/platform.ts), tenants made through the API as an admin would,
 * the real `tspaas` CLI with one config dir per user, real git repos, and
 * requests through the router as a browser would send them.
 */
import { spawn } from 'node:child_process';
import { createReadStream, promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform, type PlatformOptions, type TestPlatform } from '../../helpers/platform.js';
import { startTestEngine } from '../../helpers/engine.js';
import { provideStacks, seedStacks, stacksTarPath } from '../../helpers/stacks.js';
import { buildStack } from '../../../buildpacks/stacks/index.js';
import { programArgs } from '../../helpers/programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// tsx by URL: the CLI runs in app directories, where a bare `tsx` does not resolve.
const CLI = programArgs('cli/main');
/** The command line that runs the `tspaas` CLI. */
export const CLI_ARGV = [process.execPath, ...CLI];

export interface Result { code: number; stdout: string; stderr: string }

/** One tenant: a team with one user, logged in with the CLI in its own config dir. */
export interface Tenant {
  team: string;
  email: string;
  token: string;
  configDir: string;
  /** The environment the user's commands run in (config dir, HOME, git identity). */
  env: Record<string, string>;
  /** Run `tspaas …` as this user in `cwd`. */
  tspaas(args: string[], cwd?: string, input?: string): Promise<Result>;
  /** Run `git …` as this user (the credential helper configured by the CLI answers for the platform). */
  git(args: string[], cwd: string): Promise<Result>;
}

export interface World {
  platform: TestPlatform;
  /** node's arguments that run the `tspaas` CLI: from dist/ when the platform is `built`, else the sources through tsx. */
  cli: string[];
  dirs: string[];
  close(): Promise<void>;
}

/** Start the platform (with `opts`, e.g. more tspaasd flags) with the buildpack stacks in its engine (seeded, else loaded from the shared test cache). */
export async function startWorld(opts: PlatformOptions = {}): Promise<World> {
  const platform = await startPlatform({ ...opts, seed: seedStacks });
  const socket = path.join(platform.runRoot, 'engine.sock');
  if (!(await hasImage(socket, buildStack.name))) {
    const tar = stacksTarPath();
    if (await fsp.access(tar).then(() => false, () => true)) {
      const te = await startTestEngine();
      try { await provideStacks(te.engine); } finally { await te.cleanup(); }
    }
    await loadImages(socket, tar);
  }
  const dirs: string[] = [];
  return {
    platform, dirs, cli: opts.built ? [path.join(REPO, 'dist/cli/main.js')] : CLI,
    async close() {
      await platform.stop();
      for (const d of dirs) await fsp.rm(d, { recursive: true, force: true });
    },
  };
}

/** Whether the engine at `socketPath` has image `name`. */
function hasImage(socketPath: string, name: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: `/images/${encodeURIComponent(name)}/json` }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', reject);
  });
}

/** `POST /images/load` of a `docker save` tar on the engine socket. */
function loadImages(socketPath: string, tar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: '/images/load?quiet=1', headers: { 'content-type': 'application/x-tar' } }, (res) => {
      // A load that fails after it began answers 200 and says so in the stream (`errorDetail`), as dockerd does.
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => (res.statusCode === 200 && !body.includes('"errorDetail"') ? resolve() : reject(new Error(`images/load: ${res.statusCode} ${body.slice(0, 500)}`))));
    });
    req.on('error', reject);
    createReadStream(tar).pipe(req);
  });
}

/** Make a team, a user in it and a token (as the admin), then `tspaas login` as that user. */
export async function createTenant(world: World, team: string): Promise<Tenant> {
  const { platform } = world;
  const email = `${team}@example.com`;
  await platform.api('POST', '/v1/teams', { name: team });
  await platform.api('POST', '/v1/users', { email, teams: [team] });
  const { token } = await platform.api('POST', `/v1/users/${encodeURIComponent(email)}/tokens`, { description: 'e2e' }) as { token: string };
  const configDir = await fsp.mkdtemp(path.join(os.tmpdir(), `tspaas-e2e-${team}-`));
  world.dirs.push(configDir);
  const own = {
    TSPAAS_CONFIG_DIR: configDir, HOME: configDir, GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: team, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: team, GIT_COMMITTER_EMAIL: email,
  };
  const env = { ...process.env, ...own };
  const tenant: Tenant = {
    team, email, token, configDir, env: own,
    tspaas: (args, cwd = configDir, input) => run(process.execPath, [...world.cli, ...args], cwd, env, input),
    git: (args, cwd) => run('git', args, cwd, env),
  };
  const login = await tenant.tspaas(['login', platform.apiUrl, '--token', token]);
  if (login.code !== 0) throw new Error(`tspaas login failed: ${login.stderr}`);
  return tenant;
}

/** A git repo (branch main, one commit) holding `files`. */
export async function makeRepo(world: World, tenant: Tenant, files: Record<string, string>): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-e2e-app-'));
  world.dirs.push(dir);
  await writeFiles(dir, files);
  await must(tenant.git(['init', '-q', '-b', 'main'], dir));
  await commitAll(tenant, dir, 'first');
  return dir;
}

/** Write files (path → content) into dir. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), content);
  }
}

/** `git add -A && git commit`. */
export async function commitAll(tenant: Tenant, dir: string, message: string): Promise<void> {
  await must(tenant.git(['add', '-A'], dir));
  await must(tenant.git(['commit', '-q', '-m', message], dir));
}

/** Throw with the output when a command failed. */
export async function must(p: Promise<Result>): Promise<Result> {
  const r = await p;
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The `remote:` lines of a push, without git's prefix and padding. */
export function remoteLines(push: Result): string[] {
  return push.stderr.split('\n').filter((l) => l.startsWith('remote: ')).map((l) => l.slice('remote: '.length).trimEnd());
}

/** GET `/` of `<app>.localhost` through the router. */
export function viaRouter(world: World, app: string, urlPath = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: world.platform.routerPort, path: urlPath, headers: { host: `${app}.localhost`, connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Poll `fn` until it returns a truthy value (or the time is up). */
/** A GET of tspaasd's engine API on its socket, as JSON. */
export function engineGet<T>(world: World, apiPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: path.join(world.platform.runRoot, 'engine.sock'), path: apiPath }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as T));
    });
    req.on('error', reject);
  });
}

export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A Node app without dependencies: answers `<greeting> from <DYNO> (<tag>)`. */
export function nodeApp(tag: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'e2e-node', version: '1.0.0', private: true, engines: { node: '20.x' }, scripts: { start: 'node index.js' } }, null, 2),
    'package-lock.json': JSON.stringify({ name: 'e2e-node', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'e2e-node', version: '1.0.0' } } }, null, 2),
    'index.js': [
      "const http = require('http');",
      `const tag = ${JSON.stringify(tag)};`,
      "http.createServer((req, res) => res.end(`${process.env.GREETING || 'hello'} from ${process.env.DYNO} (${tag})`))",
      "  .listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));",
      '',
    ].join('\n'),
    ...extra,
  };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits before reading its input
      child.stdin.end(input);
    }
  });
}

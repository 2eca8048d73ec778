/**
 * The git side of the CLI with real git: the app from a repo's `tspaas`
 * remote, `apps:create`/`git:remote` writing the remote and the repo-local
 * credential helper, and git itself asking that helper (the real CLI as a
 * child process) for the token — against a stand-in platform API.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveApp } from '../../cli/app-ref.js';
import type { AppInfo, User } from '../../platform/api/types.js';
import { StandIn, tempDirs, tspaas } from './platform-stand-in.js';

const TOKEN = 'tsp_secret_token_1';
const user: User = { id: 'u1', email: 'alice@example.com', isAdmin: false, teams: ['acme'], createdAt: '2026-11-23T00:00:00Z' };

function git(cwd: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('git', args, {
      cwd, encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...opts.env },
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    child.stdin!.on('error', () => { /* git may not read its stdin */ });
    child.stdin!.end(opts.input ?? '');
  });
}

async function repo(cwd: string): Promise<string> {
  const dir = path.join(cwd, 'repo');
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  return dir;
}

function appInfo(url: string, name: string): AppInfo {
  return { name, team: 'acme', url: `http://${name}.localhost:8080`, gitUrl: `${url}/git/${name}.git`, currentVersion: null, formation: [], domains: [], createdAt: '2026-11-23T00:00:00Z' };
}

test('the app comes from -a, else from the tspaas remote; neither gives an error with a hint', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const dir = await repo(dirs.cwd);
  const noApp = await t.throwsAsync(resolveApp(dir));
  t.is(noApp.message, 'no app given');
  t.regex((noApp as { hint?: string }).hint ?? '', /-a APP.*git:remote/);
  await t.throwsAsync(resolveApp(dirs.cwd), { message: 'no app given' }, 'outside a repo');
  await git(dir, ['remote', 'add', 'tspaas', 'https://github.com/acme/shop.git']);
  await t.throwsAsync(resolveApp(dir), { message: /remote "tspaas" \(https:\/\/github.com\/acme\/shop.git\) does not name an app/ });
  await git(dir, ['remote', 'set-url', 'tspaas', 'http://127.0.0.1:5080/git/shop.git']);
  t.is(await resolveApp(dir), 'shop');
  await mkdir(path.join(dir, 'sub', 'dir'), { recursive: true });
  t.is(await resolveApp(path.join(dir, 'sub', 'dir')), 'shop', 'from a subdirectory of the repo');
  t.is(await resolveApp(dir, 'blog'), 'blog', '-a wins');
});

test('login (0600 file), apps:create adds the remote and the credential helper; git gets the token from it', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  let authSeen: string | undefined;
  const api = await new StandIn({
    'GET /v1/whoami': { json: user },
    'POST /v1/apps': (req, res) => void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(appInfo(api.url, (req.body as { name: string }).name))),
    'GET /git/shop.git/info/refs': [
      (_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="tspaas"' }).end('auth needed'),
      (req, res) => { authSeen = req.auth; res.writeHead(404).end('no repo here'); },
    ],
  }).listen();
  t.teardown(() => api.close());
  const dir = await repo(dirs.cwd);
  const login = await tspaas(['login', `${api.url}/`, '--token', TOKEN], dirs);
  t.is(login.code, 0, login.stderr);
  t.is(login.stdout, `Logged in to ${api.url} as alice@example.com\n`);
  t.is((await stat(path.join(dirs.configDir, 'platform.json'))).mode & 0o777, 0o600);

  const created = await tspaas(['apps:create', 'shop'], { ...dirs, cwd: dir });
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /Git remote tspaas added/);
  t.deepEqual(api.requests.find((r) => r.path === '/v1/apps')?.body, { name: 'shop' });
  t.is((await git(dir, ['config', '--get', 'remote.tspaas.url'])).stdout.trim(), `${api.url}/git/shop.git`);
  const helpers = (await git(dir, ['config', '--local', '--get-all', `credential.${api.url}.helper`])).stdout.split('\n');
  t.is(helpers[0], '', 'helpers from other config files are reset');
  t.regex(helpers[1]!, /^!f\(\) \{ if \[ "\$1" = get \]; then exec \S+ --import \S+tsx\S* \S+\/cli\/git-credential\/main\.ts --platform http:\/\/127\.0\.0\.1:\d+ get; else cat >\/dev\/null; fi; \}; f$/);
  t.is((await git(dir, ['config', '--local', '--get', `credential.${api.url}.useHttpPath`])).code, 1);

  const env = { TSPAAS_CONFIG_DIR: dirs.configDir };
  const host = new URL(api.url).host;
  const fill = await git(dir, ['credential', 'fill'], { input: `protocol=http\nhost=${host}\npath=git/shop.git\n\n`, env });
  t.is(fill.code, 0, fill.stderr);
  t.regex(fill.stdout, /^username=tspaas$/m);
  t.regex(fill.stdout, new RegExp(`^password=${TOKEN}$`, 'm'));

  // After a push git says `store` (or `erase` when refused): nothing changes, and no node starts for it.
  const logins = await readFile(path.join(dirs.configDir, 'platform.json'), 'utf8');
  for (const op of ['approve', 'reject']) {
    const r = await git(dir, ['credential', op], { input: `protocol=http\nhost=${host}\nusername=tspaas\npassword=other\n\n`, env });
    t.is(r.code, 0, r.stderr);
  }
  t.is(await readFile(path.join(dirs.configDir, 'platform.json'), 'utf8'), logins);

  const ls = await git(dir, ['ls-remote', 'tspaas'], { env });
  t.not(ls.code, 0, 'the stand-in has no repository');
  t.is(authSeen, `Basic ${Buffer.from(`tspaas:${TOKEN}`).toString('base64')}`, `git sent the token the helper gave: ${ls.stderr}`);
});

test('apps:create --no-remote, or outside a git repo, adds no remote; git:remote -r adds one later', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const api = await new StandIn({
    'GET /v1/whoami': { json: user },
    'POST /v1/apps': (req, res) => void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(appInfo(api.url, (req.body as { name: string }).name))),
    'GET /v1/apps/shop': (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(appInfo(api.url, 'shop'))),
  }).listen();
  t.teardown(() => api.close());
  t.is((await tspaas(['login', api.url, '--token', TOKEN], dirs)).code, 0);
  const dir = await repo(dirs.cwd);
  const noRemote = await tspaas(['apps:create', 'shop', '--no-remote', '--team', 'acme'], { ...dirs, cwd: dir });
  t.is(noRemote.code, 0, noRemote.stderr);
  t.deepEqual(api.requests.at(-1)?.body, { name: 'shop', team: 'acme' });
  t.is((await git(dir, ['remote'])).stdout, '');
  const outside = await tspaas(['apps:create', 'blog', '--json'], dirs);
  t.is(outside.code, 0, outside.stderr);
  t.is((JSON.parse(outside.stdout) as AppInfo).gitUrl, `${api.url}/git/blog.git`);

  const r = await tspaas(['git:remote', '-a', 'shop', '-r', 'production'], { ...dirs, cwd: dir });
  t.is(r.code, 0, r.stderr);
  t.is((await git(dir, ['config', '--get', 'remote.production.url'])).stdout.trim(), `${api.url}/git/shop.git`);
  const notRepo = await tspaas(['git:remote', '-a', 'shop'], dirs);
  t.is(notRepo.code, 1);
  t.regex(notRepo.stderr, /not inside a git work tree\nhint: /);
});

test('git:credential speaks git\'s protocol: get answers for stored platforms only; store and erase change nothing', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const api = await new StandIn({ 'GET /v1/whoami': { json: user } }).listen();
  t.teardown(() => api.close());
  t.is((await tspaas(['login', api.url, '--token', TOKEN], dirs)).code, 0);
  const host = new URL(api.url).host;
  const get = await tspaas(['git:credential', 'get'], { ...dirs, stdin: `protocol=http\nhost=${host}\npath=git/shop.git\n\n` });
  t.is(get.code, 0, get.stderr);
  t.is(get.stdout, `username=tspaas\npassword=${TOKEN}\n`);
  const named = await tspaas(['git:credential', 'get', '--platform', api.url], { ...dirs, stdin: 'protocol=http\nhost=other.example:80\n' });
  t.is(named.stdout, `username=tspaas\npassword=${TOKEN}\n`, 'the platform named by the helper answers even under another host name');
  for (const input of ['protocol=https\nhost=' + host + '\n\n', 'protocol=http\nhost=elsewhere.example\n\n', '']) {
    const none = await tspaas(['git:credential', 'get'], { ...dirs, stdin: input });
    t.is(none.code, 0);
    t.is(none.stdout, '', input);
  }
  const before = await readFile(path.join(dirs.configDir, 'platform.json'), 'utf8');
  for (const op of ['store', 'erase']) {
    const r = await tspaas(['git:credential', op], { ...dirs, stdin: `protocol=http\nhost=${host}\nusername=tspaas\npassword=${TOKEN}\n\n` });
    t.is(r.code, 0);
    t.is(r.stdout, '');
  }
  t.is(await readFile(path.join(dirs.configDir, 'platform.json'), 'utf8'), before);
});

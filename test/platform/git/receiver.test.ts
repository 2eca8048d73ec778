/**
 * The git receiver with real git against it: node-git-server on a loopback
 * port, the pre-receive hook bridge, real builds through the bull queue and
 * the engine, a real database. Covers authentication, tenancy, refused
 * branches, a failing build that fails the push without moving the ref,
 * fetches by the team, hook calls that did not come through the receiver,
 * and tspaasd going away mid-push.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir, access, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGitReceiver, type GitReceiver } from '../../../platform/git/receiver.js';
import { buildLogPath, sourcePath } from '../../../platform/builds/log.js';
import { listBuilds } from '../../../platform/store/builds.js';
import { insertApp } from '../../../platform/store/apps.js';
import { encodeMessage } from '../../../platform/git/protocol.js';
import { startBuildWorld, type BuildWorld } from '../builds/world.js';

let world: BuildWorld;
let receiver: GitReceiver;
let server: http.Server;
let base: string;

test.before(async () => {
  world = await startBuildWorld('gitrecv');
  receiver = await createGitReceiver(world.deps);
  server = http.createServer((req, res) => receiver.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = await mkdtemp(path.join(os.tmpdir(), 'tsp-gitc-'));
});

test.after.always(async () => {
  await receiver?.close();
  await new Promise((r) => server?.close(r));
  await world?.cleanup();
  if (base) await rm(base, { recursive: true, force: true });
});

const url = (app: string) => `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/git/${app}.git`;

interface Run { code: number; stdout: string; stderr: string }

/** git with no user config, no prompts, and the token (if any) from a credential helper, as the CLI sets it up. */
function git(cwd: string, args: string[], token?: string, onStderr?: (text: string) => void): Promise<Run> {
  const helper = token ? ['-c', `credential.helper=!f() { echo username=tspaas; echo password=${token}; }; f`] : [];
  const env = { ...process.env, HOME: base, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: '', SSH_ASKPASS: '' };
  return new Promise((resolve) => {
    const child = execFile('git', [...helper, ...args], { cwd, env, timeout: 170_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (onStderr) child.stderr?.on('data', (c: Buffer | string) => onStderr(c.toString()));
  });
}

/** A new repository on branch `branch` with one commit of `files`. */
async function repoWith(files: Record<string, string>, branch = 'main'): Promise<string> {
  const dir = await mkdtemp(path.join(base, 'src-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  for (const args of [['init', '-q', '-b', branch], ['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-qm', 'app']]) {
    const r = await git(dir, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  return dir;
}

/** The commit a branch of the app's bare repository points at, or null. */
async function serverRef(app: string, branch: string): Promise<string | null> {
  const r = await git(base, ['--git-dir', path.join(world.deps.config.dataDir, 'git', `${app}.git`), 'rev-parse', '--verify', '-q', `refs/heads/${branch}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

test('no credentials: 401 with a Basic challenge, on the advertisement and on receive-pack itself; git fails without prompting', async (t) => {
  const info = await fetch(`${url(world.a.app.name)}/info/refs?service=git-receive-pack`);
  t.is(info.status, 401);
  t.is(info.headers.get('www-authenticate'), 'Basic realm="tspaas"');
  const post = await fetch(`${url(world.a.app.name)}/git-receive-pack`, { method: 'POST', body: '0000' });
  t.is(post.status, 401, 'node-git-server alone would not check POSTs; the receiver does');
  const src = await repoWith({ 'index.html': 'hi' });
  const push = await git(src, ['push', url(world.a.app.name), 'main']);
  t.not(push.code, 0);
  t.regex(push.stderr, /could not read Username|Authentication failed/);
});

test('a wrong token is refused like no token', async (t) => {
  const res = await fetch(`${url(world.a.app.name)}/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from('x:tsp_not-a-real-token').toString('base64')}` },
  });
  t.is(res.status, 401);
  const src = await repoWith({ 'index.html': 'hi' });
  const push = await git(src, ['push', url(world.a.app.name), 'main'], 'tsp_not-a-real-token');
  t.not(push.code, 0);
  t.regex(push.stderr, /Authentication failed/);
});

test("another team's app answers exactly like an app that does not exist", async (t) => {
  const auth = { authorization: `Basic ${Buffer.from(`x:${world.a.token}`).toString('base64')}` };
  const other = await fetch(`${url(world.b.app.name)}/info/refs?service=git-receive-pack`, { headers: auth });
  const missing = await fetch(`${url('nosuchapp')}/info/refs?service=git-receive-pack`, { headers: auth });
  t.is(other.status, 404);
  t.is(missing.status, 404);
  t.is(await other.text(), await missing.text());
  const src = await repoWith({ 'index.html': 'hi' });
  const pushOther = await git(src, ['push', url(world.b.app.name), 'main'], world.a.token);
  const pushMissing = await git(src, ['push', url('nosuchapp'), 'main'], world.a.token);
  t.not(pushOther.code, 0);
  t.is(pushOther.stderr.replaceAll(world.b.app.name, 'APP'), pushMissing.stderr.replaceAll('nosuchapp', 'APP'));
  t.regex(pushOther.stderr, /repository not found/);
  const clone = await git(base, ['clone', url(world.b.app.name), path.join(base, 'stolen')], world.a.token);
  t.not(clone.code, 0);
  t.is(await serverRef(world.b.app.name, 'main'), null);
});

test('a push to a branch other than main or master is refused with a message naming it, and the ref does not move', async (t) => {
  const src = await repoWith({ 'index.html': 'hi' }, 'feature');
  const push = await git(src, ['push', url(world.a.app.name), 'feature'], world.a.token);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: .*branch 'feature' does not deploy/);
  t.regex(push.stderr, /remote: .*main or master/);
  t.is(await serverRef(world.a.app.name, 'feature'), null);
  const tag = await git(src, ['tag', 'v1']);
  t.is(tag.code, 0);
  const pushTag = await git(src, ['push', url(world.a.app.name), 'v1'], world.a.token);
  t.not(pushTag.code, 0);
  t.regex(pushTag.stderr, /remote: .*tag 'v1' does not deploy/);
});

test('a push whose build fails exits non-zero with the build output and error as remote: lines and leaves the ref alone', async (t) => {
  const app = world.a.app;
  const src = await repoWith({ Dockerfile: 'FROM busybox:latest\nRUN echo build-marker-42 && exit 3\n' });
  const push = await git(src, ['push', url(app.name), 'main'], world.a.token);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: -----> Building .* from [0-9a-f]{7}/);
  t.regex(push.stderr, /remote: Step 2\/\d+ : RUN echo build-marker-42/);
  t.regex(push.stderr, /remote: build-marker-42/);
  t.regex(push.stderr, /remote: {2}! {5}Push rejected: the build failed/);
  t.regex(push.stderr, /pre-receive hook declined/);
  t.is(await serverRef(app.name, 'main'), null, 'the ref is only updated when the deploy succeeded');
  const commit = (await git(src, ['rev-parse', 'HEAD'])).stdout.trim();
  const build = (await listBuilds(world.db, app.id)).find((b) => b.source === commit);
  if (!build) return t.fail('no build of the pushed commit');
  t.is(build.status, 'failed');
  t.is(build.userId, world.a.userId, 'the build is the pusher\'s');
  t.regex(build.error ?? '', /non-zero code: 3/);
  t.regex(await readFile(buildLogPath(world.deps.config.dataDir, build.id), 'utf8'), /build-marker-42/);
  await t.throwsAsync(access(sourcePath(world.deps.config.dataDir, build.id)), undefined, 'the source tar is removed');
});

test('an app.json that is not JSON fails the build with a clear message', async (t) => {
  const src = await repoWith({ 'app.json': '{ "healthchecks": ', Dockerfile: 'FROM busybox:latest\n' });
  const push = await git(src, ['push', url(world.a.app.name), 'main'], world.a.token);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: .*app\.json is not valid JSON/);
});

test("the team may fetch its app's repository", async (t) => {
  const clone = await git(base, ['clone', url(world.a.app.name), path.join(base, 'mine')], world.a.token);
  t.is(clone.code, 0, clone.stderr);
  const ls = await git(base, ['ls-remote', url(world.a.app.name)], world.a.token);
  t.is(ls.code, 0, ls.stderr);
});

test('the hook bridge refuses a push the receiver did not accept', async (t) => {
  const socketPath = path.join(world.deps.config.runDir, 'git-hook.sock');
  const reply = await new Promise<string>((resolve, reject) => {
    let text = '';
    const s = net.createConnection(socketPath, () => {
      s.end(encodeMessage({ app: world.a.app.name, ref: 'refs/heads/main', oldrev: '0'.repeat(40), newrev: 'a'.repeat(40) }));
    });
    s.on('data', (c) => { text += c.toString(); });
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
  const messages = reply.trim().split('\n').map((l) => JSON.parse(l) as { line?: string; exit?: number });
  t.deepEqual(messages.at(-1), { exit: 1 });
  t.regex(messages[0].line ?? '', /did not come through tspaasd/);
});

test('a push to main builds, deploys and moves the ref; git exits 0 with the app URL last', async (t) => {
  const app = await insertApp(world.db, 'gitrecv-web', world.a.teamId);
  const src = await repoWith({
    Dockerfile: 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]\n',
    'index.html': 'served by the pushed image\n',
  });
  const commit = (await git(src, ['rev-parse', 'HEAD'])).stdout.trim();
  // The lines arrive while the work goes on: when git prints the first one, no release is current yet.
  let releaseAtFirstLine: Promise<string | null> | undefined;
  const push = await git(src, ['push', url(app.name), 'main'], world.a.token, (text) => {
    if (!releaseAtFirstLine && text.includes('-----> Building')) {
      releaseAtFirstLine = world.db.query<{ id: string | null }>('SELECT current_release_id AS id FROM apps WHERE id = $1', [app.id]).then((r) => r.rows[0].id);
    }
  });
  t.is(push.code, 0, push.stderr);
  t.is(await releaseAtFirstLine, null, 'the build and deploy lines are streamed live, not after the push ended');
  t.regex(push.stderr, /remote: Successfully tagged tspaas\/gitrecv-web:build-/);
  t.regex(push.stderr, /remote: -----> Deploying/);
  t.regex(push.stderr, /remote: =====> gitrecv-web deployed to http:\/\/gitrecv-web\.localhost:8080\s*\n/);
  t.is(await serverRef(app.name, 'main'), commit);
  const [build] = await listBuilds(world.db, app.id);
  t.like(build, { status: 'succeeded', builder: 'dockerfile', source: commit, processTypes: { web: '' } });
  const [web] = await world.deps.scheduler.listProcesses(app);
  t.truthy(web?.address);
  const res = await fetch(`http://${web.address}:${web.port}/`);
  t.is(await res.text(), 'served by the pushed image\n');
});

/** A commit on `main` of `dir` whose root tree has one blob under the raw entry name `name` (which git's own tools would refuse to write). */
async function commitWithRawEntry(dir: string, name: string): Promise<void> {
  const run = (args: string[], input?: Buffer) => new Promise<string>((resolve, reject) => {
    const child = execFile('git', args, { cwd: dir, encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout.toString().trim())));
    child.stdin!.end(input);
  });
  const blob = await run(['hash-object', '-w', '--stdin'], Buffer.from('planted\n'));
  const tree = await run(['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(blob, 'hex')]));
  const commit = await run(['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit-tree', tree, '-m', 'malformed']);
  await run(['update-ref', 'refs/heads/main', commit]);
}

// Trees git's fsck refuses (fsck.c: hasDotgit, hasDotdot, fullPathname): the entries behind CVE-2014-9390 and the
// path-traversal class; an app repository takes only objects that pass it (receive.fsckObjects), so no build ever
// archives such a tree.
for (const name of ['..', '.git', '.GIT', 'a/b']) {
  test.serial(`a push of a tree with an entry named ${JSON.stringify(name)} is refused by git's object checks; the ref does not move`, async (t) => {
    const app = await insertApp(world.db, `gitrecv-fsck-${['..', '.git', '.GIT', 'a/b'].indexOf(name)}`, world.a.teamId);
    const src = await repoWith({ 'index.html': 'hi' });
    await commitWithRawEntry(src, name);
    const push = await git(src, ['push', url(app.name), 'main'], world.a.token);
    t.not(push.code, 0, push.stderr);
    t.regex(push.stderr, /remote rejected|unpacker error|fsck|hasDot|fullPathname|bad tree/i);
    t.is(await serverRef(app.name, 'main'), null);
    t.is((await listBuilds(world.db, app.id)).length, 0, 'nothing was built');
  });
}

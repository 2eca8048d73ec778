/**
 * The push path against hostile and oversized input, with real git through
 * tspaasd's listener (the API harness mounts the real receiver) and the cap
 * made small (1 MiB, PlatformConfig.maxPushBytes): a push over the cap is
 * refused with a message git shows, the branch does not move, and the bare
 * repository is file for file as before (git's quarantine is gone, no
 * object of the push stays). Malformed ref updates (NUL, invalid UTF-8,
 * control characters: gitprotocol-pack(5) and git-check-ref-format(1)) and
 * smart-HTTP paths with %00, `..` or unknown services get a 4xx and write
 * nothing.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoPath } from '../../../platform/git/repos.js';
import { pkt } from '../../../platform/git/pkt-line.js';
import { rawRequest } from '../api/raw-http.js';
import { must, startApi, type TestApi } from '../api/harness.js';

const CAP = 1 << 20;
let api: TestApi;
let user: { team: string; email: string; token: string };
let base: string;
let bare: string;

test.before(async () => {
  api = await startApi('git_push_size', {}, { maxPushBytes: CAP });
  user = await api.tenant('pushers');
  await must(api.call('POST', '/v1/apps', { token: user.token, body: { name: 'big-app' } }), 201);
  base = await mkdtemp(path.join(os.tmpdir(), 'tsp-pushsize-'));
  bare = repoPath(api.config.dataDir, 'big-app');
  // The first request creates the bare repository; its main is then set from a local clone (no hook runs on a fetch).
  const info = await gitHttp('GET', '/info/refs?service=git-receive-pack');
  if (info.status !== 200) throw new Error(`info/refs: ${info.status} ${info.text}`);
  const src = await sourceRepo({ 'index.html': 'v1\n' });
  await git(base, ['--git-dir', bare, 'fetch', '-q', src, 'main:main']);
});
test.after.always(async () => {
  await api?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }

function git(cwd: string, args: string[], token?: string): Promise<Run> {
  const helper = token ? ['-c', `credential.helper=!f() { echo username=tspaas; echo password=${token}; }; f`] : [];
  const env = { ...process.env, HOME: base, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: '' };
  return new Promise((resolve) => {
    execFile('git', [...helper, ...args], { cwd, env, timeout: 170_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A clone of the app's main (fetched from the bare repo) with `files` committed on top. */
async function sourceRepo(files: Record<string, string | Buffer>, from?: string): Promise<string> {
  const dir = await mkdtemp(path.join(base, 'src-'));
  const steps = from ? [['init', '-q', '-b', 'main'], ['fetch', '-q', from, 'main'], ['reset', '-q', '--hard', 'FETCH_HEAD']] : [['init', '-q', '-b', 'main']];
  for (const args of steps) await mustGit(dir, args);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  await mustGit(dir, ['add', '-A']);
  await mustGit(dir, ['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-qm', 'change']);
  return dir;
}

async function mustGit(dir: string, args: string[]): Promise<string> {
  const r = await git(dir, args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const remote = () => `${api.url}/git/big-app.git`;
const basic = (token: string) => `Basic ${Buffer.from(`tspaas:${token}`).toString('base64')}`;

function gitHttp(method: string, suffix: string, body?: Buffer, headers: Record<string, string> = {}) {
  return rawRequest(api.port, { method, target: `/git/big-app.git${suffix}`, headers: { Authorization: basic(user.token), ...headers }, body })
    .then((r) => ({ status: r.status ?? 0, text: r.body.toString('utf8'), reply: r }));
}

/** Every file under `dir` with its size: what "nothing stayed on disk" compares. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out.push(`${path.relative(dir, full)}${entry.isFile() ? ` ${(await stat(full)).size}` : '/'}`);
  }
  return out.sort();
}

const serverMain = () => git(base, ['--git-dir', bare, 'rev-parse', 'refs/heads/main']).then((r) => r.stdout.trim());

test.serial('a push over the cap is refused with a remote: message; main does not move; the repository is file for file as before', async (t) => {
  const src = await sourceRepo({ 'blob.bin': randomBytes(3 * CAP) }, bare);
  const blob = await mustGit(src, ['rev-parse', 'HEAD:blob.bin']);
  const [main, files] = [await serverMain(), await tree(bare)];
  const push = await git(src, ['push', remote(), 'main'], user.token);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: {2}! {5}Push rejected: the push is larger than 1 MiB, this platform's limit\./);
  t.regex(push.stderr, /remote: .*Nothing of it was kept/);
  t.regex(push.stderr, /! \[remote rejected\] main -> main \(push larger than the size limit\)/);
  t.is(await serverMain(), main, 'the branch did not move');
  t.deepEqual(await tree(bare), files, 'no object, pack or quarantine of the push stayed');
  t.not((await git(base, ['--git-dir', bare, 'cat-file', '-e', blob])).code, 0);
});

test.serial('a push far over the cap (past the 64 MiB read allowance) gets 413 and the connection closes; nothing stays', async (t) => {
  const src = await sourceRepo({ 'huge.bin': randomBytes(70 << 20) }, bare);
  const [main, files] = [await serverMain(), await tree(bare)];
  const push = await git(src, ['push', remote(), 'main'], user.token);
  t.not(push.code, 0);
  // git reads the 413 when its send ends first; when the closed connection breaks its send first, it reports that instead.
  t.regex(push.stderr, /413|remote end hung up|unexpected disconnect/);
  t.is(await serverMain(), main);
  t.deepEqual(await tree(bare), files);
});

test.serial('a push under the cap goes through to the pre-receive hook', async (t) => {
  const src = await sourceRepo({ 'small.txt': 'small\n' }, bare);
  const push = await git(src, ['push', remote(), 'main'], user.token);
  t.not(push.code, 0, 'jobs are not part of this test: the hook refuses after the pack arrived');
  t.regex(push.stderr, /remote: .*Push rejected: jobs is not part of this test/);
  t.notRegex(push.stderr, /size limit/);
});

/** A receive-pack request body: one command per ref (raw bytes), the first with capabilities, a flush, an empty pack. */
function pushBody(refs: Buffer[]): Buffer {
  const old = Buffer.from('0'.repeat(40));
  const lines = refs.map((ref, i) => pkt(Buffer.concat([old, Buffer.from(` ${'1'.repeat(40)} `), ref, ...(i === 0 ? [Buffer.from('\0report-status side-band-64k')] : []), Buffer.from('\n')])));
  return Buffer.concat([...lines, Buffer.from('0000')]);
}

test.serial('malformed ref updates: NUL, invalid UTF-8, control characters, not under refs/ → 400 naming the problem, nothing written', async (t) => {
  const files = await tree(bare);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['NUL in the second ref', pushBody([Buffer.from('refs/heads/main'), Buffer.from('refs/heads/a\0b')]), /NUL byte in a ref name/],
    ['invalid UTF-8 C3 28', pushBody([Buffer.from([...Buffer.from('refs/heads/'), 0xc3, 0x28])]), /ref name in the push is not valid UTF-8/],
    ['overlong C0 AF', pushBody([Buffer.from([...Buffer.from('refs/heads/'), 0xc0, 0xaf])]), /not valid UTF-8/],
    ['lone surrogate ED A0 80', pushBody([Buffer.from([...Buffer.from('refs/heads/'), 0xed, 0xa0, 0x80])]), /not valid UTF-8/],
    ['control character 01', pushBody([Buffer.from('refs/heads/a\x01b')]), /contains a control character/],
    ['escape sequence', pushBody([Buffer.from('refs/heads/\x1b[31mred')]), /contains a control character/],
    ['not under refs/', pushBody([Buffer.from('HEAD')]), /is not a ref name/],
    ['bad object id', Buffer.concat([pkt('zz 11 refs/heads/main\n'), Buffer.from('0000')]), /expected "<old-id> <new-id> <ref>"/],
    ['bad pkt-line length', Buffer.from('zzzzrefs/heads/main'), /expected a pkt-line length/],
    ['ends before the flush', pushBody([Buffer.from('refs/heads/main')]).subarray(0, -4), /ends before the command list does/],
    ['non-ASCII capabilities', Buffer.concat([pkt(`${'0'.repeat(40)} ${'1'.repeat(40)} refs/heads/main\0report-status \xff\n`), Buffer.from('0000')]), /printable ASCII/],
  ];
  for (const [label, body, message] of cases) {
    const r = await gitHttp('POST', '/git-receive-pack', body, { 'Content-Type': 'application/x-git-receive-pack-request' });
    t.is(r.status, 400, label);
    t.regex(r.text, message, label);
    const gz = await gitHttp('POST', '/git-receive-pack', gzipSync(body), { 'Content-Encoding': 'gzip' });
    t.is(gz.status, 400, `${label} (gzip)`);
  }
  t.is((await gitHttp('POST', '/git-receive-pack', Buffer.from('0000'), { 'Content-Encoding': 'br' })).status, 400);
  t.is((await gitHttp('POST', '/git-receive-pack', Buffer.from('not gzip'), { 'Content-Encoding': 'gzip' })).status, 400);
  t.deepEqual(await tree(bare), files);
});

test.serial('smart-HTTP paths with %00, invalid UTF-8, `..` or unknown services → 4xx; no repository is created or changed', async (t) => {
  const gitDir = path.join(api.config.dataDir, 'git');
  const files = await tree(gitDir);
  const cases: Array<[string, string, string, number]> = [
    ['no service', 'GET', '/git/big-app.git/info/refs', 400],
    ['unknown service', 'GET', '/git/big-app.git/info/refs?service=git-upload-archive', 400],
    ['service with NUL', 'GET', '/git/big-app.git/info/refs?service=git-receive-pack%00', 400],
    ['service with invalid UTF-8', 'GET', '/git/big-app.git/info/refs?service=%C3%28', 400],
    ['NUL in the app', 'GET', '/git/big%00app.git/info/refs?service=git-upload-pack', 400],
    ['overlong slash', 'GET', '/git/big-app.git/%C0%AFinfo/refs?service=git-upload-pack', 400],
    ['dot-dot', 'GET', '/git/big-app.git/../other.git/info/refs?service=git-upload-pack', 404],
    ['encoded dot-dot', 'GET', '/git/big-app.git/%2e%2e/%2e%2e/info/refs?service=git-upload-pack', 404],
    ['dot-dot app', 'GET', '/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack', 404],
    ['objects (dumb HTTP)', 'GET', '/git/big-app.git/objects/info/packs', 404],
    ['GET on receive-pack', 'GET', '/git/big-app.git/git-receive-pack', 405],
    ['100 kB path', 'GET', `/git/big-app.git/${'x'.repeat(100_000)}`, 431],
    ['missing app', 'GET', '/git/no-such-app.git/info/refs?service=git-upload-pack', 404],
  ];
  for (const [label, method, target, status] of cases) {
    const r = await rawRequest(api.port, { method, target, headers: { Authorization: basic(user.token) } });
    t.is(r.status, status, `${label}: ${r.body.toString('utf8').slice(0, 200)}`);
    t.true(r.body.length > 0, `${label}: a message`);
  }
  t.deepEqual(await tree(gitDir), files);
});

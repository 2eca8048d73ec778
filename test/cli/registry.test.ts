/** `tspaas login/logout/image pull/image push` against a fake Engine API: requests, credentials file, output. */
import test from 'ava';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliConfig, CliIO } from '../../cli/context.js';
import { runCli } from '../../cli/program.js';
import { FakeApi, type Recorded } from './fake-api.js';

const REG = '127.0.0.1:5000';

async function run(api: FakeApi, authFile: string, argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const [i, o, e] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  o.on('data', (c: Buffer) => out.push(c));
  e.on('data', (c: Buffer) => err.push(c));
  i.end(stdin);
  const config: CliConfig = {
    version: '0.0.0-test', socketPath: api.socketPath, root: '/nonexistent', runRoot: '/nonexistent',
    daemon: { command: process.execPath, args: [] }, cwd: '/', env: {}, authFile,
  };
  const code = await runCli(argv, config, { stdin: i, stdout: o, stderr: e } as unknown as CliIO);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** A streamed reply that also keeps the X-Registry-Auth it got (decoded). */
function progressReply(seen: unknown[], lines: object[]) {
  return (_req: Recorded, res: http.ServerResponse) => {
    const header = res.req.headers['x-registry-auth'];
    seen.push(header ? JSON.parse(Buffer.from(String(header), 'base64url').toString()) : null);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(lines.map((l) => `${JSON.stringify(l)}\r\n`).join(''));
  };
}

test('login stores credentials (0600), pull and push send them, logout forgets them', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-cli-auth-'));
  const authFile = path.join(dir, 'conf', 'auth.json');
  const seen: unknown[] = [];
  const digest = `sha256:${'d'.repeat(64)}`;
  const api = await new FakeApi({
    'POST /auth': { json: { Status: 'Login Succeeded', IdentityToken: '' } },
    'POST /images/create': progressReply(seen, [{ status: 'Pulling fs layer', id: 'abc', progressDetail: {} }, { status: `Status: Downloaded newer image for ${REG}/team/app:1` }]),
    [`POST /images/${REG}/team/app/push`]: progressReply(seen, [
      { status: 'Pushed', id: 'abc', progressDetail: {} }, { status: `1: digest: ${digest} size: 500` }, { progressDetail: {}, aux: { Tag: '1', Digest: digest, Size: 500 } },
    ]),
  }).listen();
  t.teardown(async () => { await api.close(); await rm(dir, { recursive: true, force: true }); });

  const login = await run(api, authFile, ['login', REG, '-u', 'alice', '--password-stdin'], 's3cret\n');
  t.is(login.code, 0, login.stderr);
  t.is(login.stdout, 'Login Succeeded\n');
  t.deepEqual(api.requests[0]!.body, { username: 'alice', password: 's3cret', serveraddress: REG });
  t.is((await stat(authFile)).mode & 0o777, 0o600);
  t.deepEqual(JSON.parse(await readFile(authFile, 'utf8')), { auths: { [REG]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });

  const pull = await run(api, authFile, ['image', 'pull', `${REG}/team/app:1`]);
  t.is(pull.code, 0, pull.stderr);
  t.is(api.requests[1]!.query.get('fromImage'), `${REG}/team/app`);
  t.is(api.requests[1]!.query.get('tag'), '1');
  t.regex(pull.stderr, /abc: Pulling fs layer/);
  const push = await run(api, authFile, ['image', 'push', `${REG}/team/app:1`]);
  t.is(push.code, 0, push.stderr);
  t.is(api.requests[2]!.query.get('tag'), '1');
  t.is(push.stdout, `${REG}/team/app@${digest}\n`);
  t.deepEqual(seen, [{ username: 'alice', password: 's3cret', serveraddress: REG }, { username: 'alice', password: 's3cret', serveraddress: REG }]);

  const json = await run(api, authFile, ['image', 'push', '--json', `${REG}/team/app:1`]);
  t.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as object).at(-1), { progressDetail: {}, aux: { Tag: '1', Digest: digest, Size: 500 } });

  const logout = await run(api, authFile, ['logout', `http://${REG}/`]);
  t.is(logout.stdout, `Removing login credentials for ${REG}\n`);
  t.deepEqual(JSON.parse(await readFile(authFile, 'utf8')), { auths: {} });
  await run(api, authFile, ['image', 'pull', `${REG}/team/app:1`]);
  t.is(seen.at(-1), null, 'no credentials sent after logout');
});

test('login refused by the registry stores nothing and fails', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-cli-auth-'));
  const authFile = path.join(dir, 'auth.json');
  const api = await new FakeApi({ 'POST /auth': { status: 403, json: { message: 'unauthorized: registry 127.0.0.1:5000 refused the credentials' } } }).listen();
  t.teardown(async () => { await api.close(); await rm(dir, { recursive: true, force: true }); });
  const r = await run(api, authFile, ['login', REG, '-u', 'alice', '-p', 'wrong']);
  t.not(r.code, 0);
  t.regex(r.stderr, /refused the credentials/);
  await t.throwsAsync(stat(authFile));
  const noPassword = await run(api, authFile, ['login', REG, '-u', 'alice']);
  t.regex(noPassword.stderr, /password is required/);
});

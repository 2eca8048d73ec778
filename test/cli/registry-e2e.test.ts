/**
 * `tspaas login/image push/image pull/logout` as real processes against a
 * real engine behind its API socket and a real docker-registry with Basic
 * auth; credentials in a private TSPAAS_CONFIG_DIR.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveTestEngineFor } from '../helpers/engine-api.js';
import { startRegistry } from '../helpers/registry.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Result { code: number; stdout: string; stderr: string }

function tspaas(env: Record<string, string>, args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'cli/main.ts'), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: 'pipe' });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (b: Buffer) => { out.stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out.stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...out, code: code ?? -1 }));
    child.stdin.end(input);
  });
}

test('login, push, pull (credentials from the 0600 file), logout', async (t) => {
  const [{ te, dir, socketPath }, reg] = await Promise.all([serveTestEngineFor(t, { version: '0.1.0-cli-registry' }), startRegistry({ basic: { username: 'carol', password: 'pw1' } })]);
  t.teardown(() => reg.stop());
  const env = { TSPAAS_ENGINE_SOCK: socketPath, TSPAAS_CONFIG_DIR: path.join(dir, 'conf') };
  const ok = async (args: string[], input?: string) => {
    const r = await tspaas(env, args, input);
    t.is(r.code, 0, `tspaas ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const ref = `${reg.host}/cli/busybox:1`;
  const refused = await tspaas(env, ['login', reg.host, '-u', 'carol', '--password-stdin'], 'bad\n');
  t.not(refused.code, 0);
  t.is((await ok(['login', reg.host, '-u', 'carol', '--password-stdin'], 'pw1\n')).stdout, 'Login Succeeded\n');
  t.is((await stat(path.join(dir, 'conf', 'auth.json'))).mode & 0o777, 0o600);

  await ok(['image', 'pull', 'busybox']);
  await ok(['image', 'tag', 'busybox', ref]);
  const pushed = await ok(['image', 'push', ref]);
  const digest = (await te.engine.images.get(ref)).manifestDigest;
  t.is(pushed.stdout, `${reg.host}/cli/busybox@${digest}\n`);
  t.regex(pushed.stderr, /Pushed|Layer already exists/);

  await ok(['image', 'rm', ref]);
  const pulled = await ok(['image', 'pull', '--json', ref]);
  const lines = pulled.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status?: string });
  t.true(lines.some((l) => l.status === 'Download complete' || l.status === 'Already exists'));
  t.true(lines.some((l) => l.status === `Digest: ${digest}`));
  t.is((await ok(['container', 'run', '--rm', ref, 'echo', 'pulled'])).stdout, 'pulled\n');

  t.regex((await ok(['logout', reg.host])).stdout, /Removing login credentials/);
  t.deepEqual(JSON.parse(await readFile(path.join(dir, 'conf', 'auth.json'), 'utf8')), { auths: {} });
  await ok(['image', 'rm', ref]);
  const anonymous = await tspaas(env, ['image', 'pull', ref]);
  t.not(anonymous.code, 0);
  t.regex(anonymous.stderr, /unauthorized|credentials/);
});

/**
 * `tspaas up` / `tspaas down` with the whole platform, as real processes:
 * up starts tspaasd and tspaas-router (on the database tspaasd publishes),
 * prints the API and router URLs and the admin token once; a second up finds
 * both running; down stops both.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeCgroupTree } from '../../runtime/containers/cgroups.js';
import { claimNetworkSlot } from '../helpers/network-slot.js';
import { createTestDatabase, freePort } from '../helpers/postgres.js';
import { get } from '../helpers/router.js';
import { programArgs } from '../helpers/programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = programArgs('cli/main');

interface Result { code: number; stdout: string; stderr: string }

function tspaas(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

interface Up { started: boolean; pid: number; api: string; adminToken: string | null; router: { started: boolean; pid: number; url: string } }

test('up starts tspaasd and the router and shows the admin token once; down stops both', async (t) => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tsp-up-'));
  const run = path.join(base, 'run');
  const slot = await claimNetworkSlot();
  const db = await createTestDatabase('up');
  const prefix = `tspaas-up-${randomBytes(4).toString('hex')}`;
  const [apiPort, routerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  // The router's admin endpoint on a port of its own: its default, 9180, is a running tspaas's.
  const env = { ...process.env, TSPAAS_ROOT: path.join(base, 'root'), TSPAAS_RUN: run, TSPAAS_ROUTER_ADMIN_PORT: String(adminPort) };
  t.teardown(async () => {
    await tspaas(['down'], env);
    await db.drop();
    await slot.release();
    await removeCgroupTree(`/tspaas-test/${path.basename(base)}`).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  });
  const flags = ['--listen', `127.0.0.1:${apiPort}`, '--router-port', String(routerPort), '--router-https-port', '0',
    '--database-url', db.url, '--redis-url', process.env.REDIS_URL!, '--redis-prefix', prefix,
    '--cgroup-parent', `/tspaas-test/${path.basename(base)}`, '--log-level', 'warn', ...slot.flags];

  const first = await tspaas(['up', ...flags], env);
  t.is(first.code, 0, first.stderr);
  const token = /Admin token \(shown only this once\): (\S+)/.exec(first.stdout)?.[1];
  t.truthy(token, first.stdout);
  t.regex(first.stdout, new RegExp(`API: http://127\\.0\\.0\\.1:${apiPort}\\n`));
  t.regex(first.stdout, new RegExp(`Router: http://localhost:${routerPort} \\(started, pid \\d+\\)`));
  t.regex(first.stdout, new RegExp(`Log in with: tspaas login http://127\\.0\\.0\\.1:${apiPort} --token ${token}`));
  t.false(existsSync(path.join(run, 'admin-token')), 'the token is on disk no longer than until up showed it');
  const whoami = await fetch(`http://127.0.0.1:${apiPort}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  t.like(await whoami.json(), { email: 'admin@localhost', isAdmin: true });
  t.is((await get(routerPort, '/', { host: 'nothing-here.localhost' })).status, 404, 'the router serves (no such app)');

  const again = JSON.parse((await tspaas(['up', '--json', ...flags], env)).stdout) as Up;
  t.like(again, { started: false, api: `http://127.0.0.1:${apiPort}`, adminToken: null, router: { started: false, url: `http://localhost:${routerPort}` } });

  const down = await tspaas(['down', '--json'], env);
  t.is(down.code, 0, down.stderr);
  t.like(JSON.parse(down.stdout), { stopped: true, pid: again.pid, router: again.router.pid });
  t.false(alive(again.pid));
  t.false(alive(again.router.pid));
});

/**
 * ADD <url> is fetched from the build's own network sandbox, never from the
 * engine's namespace on the host: URLs naming the host's loopback (also in
 * the odd spellings of the OWASP SSRF prevention cheat sheet: decimal, hex
 * and octal IPv4), the bridge's gateway or the host's own address reach
 * nothing on the host (listeners there see no connection), while an outside
 * host answers through NAT, on the default network and on a named one.
 * Scoped builds (one scope per app on the platform) share no cache entries
 * and cannot start FROM another scope's images — the cache-probing and
 * "FROM <short ID>" cases of a shared builder.
 */
import test from 'ava';
import net from 'node:net';
import os from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../../lib/exec.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createOutside, type Outside } from '../../helpers/netns.js';
import { build } from './helpers.js';

let te: TestEngine;
let outside: Outside;
let web: string;
let server: { close(): void };

test.before(async () => {
  te = await startTestEngine();
  outside = await createOutside(te.config.network.pool);
  web = await mkdtemp(path.join(os.tmpdir(), 'tsp-web-'));
  await writeFile(path.join(web, 'hello.txt'), 'hello from outside\n');
  server = await outside.serve(8080, web);
});

test.after.always(async () => {
  server?.close();
  await outside?.remove();
  await te?.cleanup();
  if (web) await rm(web, { recursive: true, force: true });
});

/** A TCP listener on the host that counts the connections it gets. */
async function hostListener(host: string): Promise<{ port: number; connections(): number; close(): void }> {
  let n = 0;
  const srv = net.createServer((s) => { n++; s.end('HTTP/1.0 200 OK\r\n\r\nsecret of the host\n'); });
  await new Promise<void>((r) => srv.listen(0, host, r));
  return { port: (srv.address() as net.AddressInfo).port, connections: () => n, close: () => srv.close() };
}

/** The host's own non-loopback IPv4 addresses. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}

/**
 * The host's address on its default route. (Not every address: other test
 * engines' bridges come and go meanwhile, and one gone between the list and
 * the pull is no longer the host's.)
 */
async function primaryAddress(): Promise<string> {
  const [route] = JSON.parse((await run('ip', ['-j', 'route', 'get', '1.1.1.1'])).stdout) as Array<{ prefsrc: string }>;
  return route.prefsrc;
}

test('ADD of an outside URL works on the default network and on a named one', async (t) => {
  await te.engine.ensureImage('busybox');
  await te.engine.createNetwork({ name: 'build-net-a' });
  const dockerfile = `FROM busybox\nADD http://${outside.address}:8080/hello.txt /hello.txt\nRUN cat /hello.txt\n`;
  for (const networkMode of [undefined, 'build-net-a']) {
    const r = await build(te.engine, { Dockerfile: dockerfile }, { networkMode, noCache: true });
    t.is(r.error, null, r.error?.message);
    t.true(r.output.includes('hello from outside'), `network ${networkMode ?? 'default'}`);
  }
});

test('ADD of URLs naming the host (loopback in odd spellings, the gateway, its own address) fails and the host sees nothing', async (t) => {
  t.timeout(3 * 60_000);
  await te.engine.ensureImage('busybox');
  const loop = await hostListener('127.0.0.1');
  const all = await hostListener('0.0.0.0');
  t.teardown(() => { loop.close(); all.close(); });
  const gateway = (await te.engine.inspectNetwork('bridge')).gateway;
  const urls = [
    `http://127.0.0.1:${loop.port}/x`,
    `http://2130706433:${loop.port}/x`, // OWASP SSRF cheat sheet: decimal IPv4
    `http://0x7f.0x0.0x0.0x1:${loop.port}/x`, // hex
    `http://0177.0.0.01:${loop.port}/x`, // octal
    `http://localhost:${loop.port}/x`,
    `http://${gateway}:${all.port}/x`,
    ...hostAddresses().map((a) => `http://${a}:${all.port}/x`),
  ];
  const runs = await Promise.all(urls.map((u) => build(te.engine, { Dockerfile: `FROM busybox\nADD ${u} /x\n` })));
  for (const [i, r] of runs.entries()) {
    t.truthy(r.error, urls[i]);
    t.true(r.error!.message.startsWith(`ADD failed: failed to GET ${urls[i]}`), r.error!.message);
  }
  t.is(loop.connections(), 0, 'nothing connected to the host\'s loopback');
  t.is(all.connections(), 0, 'nothing connected to the host\'s own addresses');
});

test('ADD with --network none has no network at all', async (t) => {
  await te.engine.ensureImage('busybox');
  const r = await build(te.engine, { Dockerfile: `FROM busybox\nADD http://${outside.address}:8080/hello.txt /x\n` }, { networkMode: 'none' });
  t.regex(r.error?.message ?? '', /the build has no network/);
});

test('scoped builds share no cache and cannot start FROM another scope\'s images, by tag, ID or ID prefix', async (t) => {
  t.timeout(3 * 60_000);
  await te.engine.ensureImage('busybox');
  const secret = { Dockerfile: 'FROM busybox\nRUN echo secret of team a > /secret\n' };
  const a = await build(te.engine, secret, { scope: 'team-a', tags: ['team-a-app:1'] });
  t.is(a.error, null, a.error?.message);
  t.is(a.image!.config.config.Labels?.['io.tspaas.build.scope'], 'team-a');
  const again = await build(te.engine, secret, { scope: 'team-a' });
  t.is(again.cached, 1, 'the same scope takes its own cache');
  const b = await build(te.engine, secret, { scope: 'team-b' });
  t.is(b.cached, 0, 'another scope never hits team a\'s cache entry (nor learns it exists)');
  const id = a.image!.id.slice('sha256:'.length);
  for (const ref of ['team-a-app:1', id.slice(0, 12), `sha256:${id}`]) {
    const stolen = await build(te.engine, { Dockerfile: `FROM ${ref}\nRUN cat /secret\n` }, { scope: 'team-b' });
    t.truthy(stolen.error, ref);
    t.false(stolen.output.includes('secret of team a'), ref);
    if (ref === 'team-a-app:1') t.is(stolen.error!.message, `pull access denied for ${ref}, repository does not exist or may require 'docker login': no such image: ${ref}`);
  }
  const own = await build(te.engine, { Dockerfile: 'FROM team-a-app:1\nRUN cat /secret\n' }, { scope: 'team-a' });
  t.true(own.output.includes('secret of team a'), 'a scope builds on its own images');
  const operator = await build(te.engine, { Dockerfile: `FROM ${id.slice(0, 12)}\nRUN cat /secret\n` });
  t.true(operator.output.includes('secret of team a'), 'unscoped builds (the operator\'s) still resolve ID prefixes');
});

test('a scoped build cannot make the engine pull from a registry on the host (loopback in odd spellings, localhost, its own address)', async (t) => {
  t.timeout(2 * 60_000);
  const loop = await hostListener('127.0.0.1');
  const all = await hostListener('0.0.0.0');
  t.teardown(() => { loop.close(); all.close(); });
  const refs = [
    `127.0.0.1:${loop.port}/team/app`,
    `2130706433:${loop.port}/team/app`, // OWASP SSRF cheat sheet: decimal IPv4
    `0x7f.0.0.1:${loop.port}/team/app`, // hex
    `localhost:${loop.port}/team/app`,
    `${await primaryAddress()}:${all.port}/team/app`,
    `${(await te.engine.inspectNetwork('bridge')).gateway}:${all.port}/team/app`,
  ];
  for (const ref of refs) {
    const r = await build(te.engine, { Dockerfile: `FROM ${ref}\n` }, { scope: 'team-b' });
    t.is(r.error?.message, `pull access denied for ${ref}, repository does not exist or may require 'docker login': no such image: ${ref}`);
  }
  t.is(loop.connections() + all.connections(), 0, 'the engine connected to nothing on the host');
  await build(te.engine, { Dockerfile: `FROM 127.0.0.1:${loop.port}/team/app\n` });
  t.true(loop.connections() > 0, 'an unscoped build (the operator\'s) still pulls from where it is told');
});

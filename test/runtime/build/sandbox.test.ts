/**
 * ADD <url> is fetched from the build's own network sandbox, never from the
 * engine's namespace on the host: URLs naming the host's loopback (also in
 * the odd spellings of the OWASP SSRF prevention cheat sheet: decimal, hex
 * and octal IPv4), the bridge's gateway or the host's own address reach
 * nothing on the host (listeners there see no connection), while an outside
 * host answers through NAT, on the default network and on a named one.
 */
import test from 'ava';
import net from 'node:net';
import os from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

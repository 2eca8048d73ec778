/**
 * TLS through a real tspaas-router: per-host certificates from the route
 * table chosen by SNI, the default self-signed certificate for the rest, a
 * certificate replaced by NOTIFY, and the per-route HTTP→HTTPS redirect.
 * HTTPS requests take the data path the router runs on (TLS ends in the
 * worker; the fast path then serves the decrypted connection), and a
 * handshake that does not arrive is cut at the headers timeout.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { get, getTls, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const execFileP = promisify(execFile);
let db: TestDatabase;
let router: TestRouter;
let backend: TestBackend;
let echo: TestBackend;
let dir: string;

/** A self-signed certificate for `cn` (PEMs). */
async function makeCert(cn: string): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${cn}.key`);
  const cert = path.join(dir, `${cn}.crt`);
  await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`, '-keyout', key, '-out', cert]);
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

async function putCertificate(name: string, pem: { cert: string; key: string }): Promise<void> {
  await db.query(`INSERT INTO router_certificates (name, cert_pem, key_pem) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET cert_pem = $2, key_pem = $3, updated_at = now()`, [name, pem.cert, pem.key]);
}

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-tls-'));
  db = await createTestDatabase('tspaas_router_tls');
  backend = await startBackend('secure');
  const [one, two] = await Promise.all([makeCert('one.test'), makeCert('two.test')]);
  await putCertificate('one', one);
  await putCertificate('two', two);
  await putRoute(db, 'secure', {
    hosts: [{ host: 'one.test', certificate: 'one' }, { host: 'two.test', certificate: 'two' }, { host: 'plain.test' }],
    backends: [{ port: backend.port }],
  });
  await putRoute(db, 'strict', { redirectHttps: true, backends: [{ port: backend.port }] });
  echo = await startBackend('echo', (req, res) => res.end(JSON.stringify({ rawHeaders: req.rawHeaders, headers: req.headers })));
  await putRoute(db, 'rawecho', { redirectHttps: true, backends: [{ port: echo.port }] });
  router = await startRouter(db.url);
});

test.after.always(async () => {
  await router?.stop();
  await backend?.close();
  await echo?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

test.serial('SNI picks each host its certificate; other hosts get the default self-signed one', async (t) => {
  const one = await getTls(router.httpsPort, 'one.test', '/a');
  t.is(one.subject, 'one.test');
  t.is(one.status, 200);
  t.is(JSON.parse(one.body).headers['x-forwarded-proto'], 'https');
  const two = await getTls(router.httpsPort, 'two.test');
  t.is(two.subject, 'two.test');
  t.is((await getTls(router.httpsPort, 'plain.test')).subject, 'tspaas-router');
  t.is((await getTls(router.httpsPort, 'secure.localhost')).subject, 'tspaas-router');
  t.is((await getTls(router.httpsPort, 'unknown.test')).status, 404);
});

test.serial('a replaced certificate is served after its NOTIFY', async (t) => {
  const renewed = await makeCert('one-renewed.test');
  await router.apply(() => putCertificate('one', renewed));
  t.is((await getTls(router.httpsPort, 'one.test')).subject, 'one-renewed.test');
});

test.serial('a route with redirect_https sends plain HTTP to HTTPS; HTTPS is served', async (t) => {
  const r = await get(router.httpPort, '/path?q=1', { host: `strict.localhost:${router.httpPort}` });
  t.is(r.status, 308);
  t.is(r.headers.location, `https://strict.localhost:${router.httpsPort}/path?q=1`);
  const s = await getTls(router.httpsPort, 'strict.localhost', '/path?q=1');
  t.is(s.status, 200);
  t.is(JSON.parse(s.body).url, '/path?q=1');
  t.is((await get(router.httpPort, '/', { host: 'secure.localhost' })).status, 200, 'routes without the flag stay on HTTP');
});

/** One request written as raw bytes over TLS; the whole answer (the router closes after it: `connection: close`). */
function rawTls(port: number, servername: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => s.write(request));
    let text = '';
    s.setEncoding('latin1').on('data', (d: string) => { text += d; }).on('end', () => resolve(text)).on('error', reject);
  });
}

const dataPathUnderTest = process.env.TSPAAS_ROUTER_DATA_PATH || 'fast';

test.serial('HTTPS takes the data path the router runs on: the fast path keeps header-name case, http-proxy lower-cases', async (t) => {
  const answer = await rawTls(router.httpsPort, 'rawecho.localhost',
    'GET /x HTTP/1.1\r\nHost: rawecho.localhost\r\nX-Mixed-Case: 1\r\nConnection: close\r\n\r\n');
  t.regex(answer, /^HTTP\/1\.1 200 /, 'served over HTTPS, not redirected (the route redirects plain HTTP only)');
  const seen = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { rawHeaders: string[]; headers: Record<string, string> };
  t.true(seen.rawHeaders.includes(dataPathUnderTest === 'fast' ? 'X-Mixed-Case' : 'x-mixed-case'), seen.rawHeaders.join(' '));
  t.is(seen.headers['x-forwarded-proto'], 'https');
  t.is(seen.headers['x-forwarded-port'], String(router.httpsPort));
});

test.serial('HTTPS requests the fast path hands off (HTTP/1.0) are served by http-proxy on the HTTPS edge', async (t) => {
  const answer = await rawTls(router.httpsPort, 'rawecho.localhost', 'GET /old HTTP/1.0\r\nHost: rawecho.localhost\r\n\r\n');
  t.regex(answer, /^HTTP\/1\.[01] 200 /);
  const seen = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
  t.is(seen.headers['x-forwarded-proto'], 'https');
});

test.serial('a client that never sends its TLS handshake is cut at the 10 s headers timeout ±1.5 s', async (t) => {
  const started = Date.now();
  const s = net.connect(router.httpsPort, '127.0.0.1');
  await new Promise<void>((resolve) => { s.on('close', () => resolve()); s.on('error', () => undefined); s.resume(); });
  const ms = Date.now() - started;
  t.log(`closed after ${ms} ms`);
  t.true(ms >= 9_500 && ms <= 11_500, `closed after ${ms} ms`);
});

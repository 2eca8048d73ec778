import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startApi, must, type TestApi } from './harness.js';

const execFileP = promisify(execFile);

let api: TestApi;
let a: { token: string };
let b: { token: string };
let tmp: string;
test.before(async () => {
  api = await startApi('api_domains');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tsp-certs-'));
  a = await api.tenant('dom-a');
  b = await api.tenant('dom-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'blog' } }), 201);
});
test.after.always(async () => { await api?.close(); await rm(tmp, { recursive: true, force: true }); });

/** A self-signed certificate for the names, made by openssl. */
async function makeCert(name: string, names: string[]): Promise<{ cert: string; key: string }> {
  const cert = path.join(tmp, `${name}.crt`);
  const key = path.join(tmp, `${name}.key`);
  await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30',
    '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

const hostRow = async (host: string): Promise<{ app: string; certificate: string | null } | undefined> => (await api.db.query<{ app: string; certificate: string | null }>(
  'SELECT app, certificate FROM router_hosts WHERE host = $1', [host])).rows[0];

test.serial('domains go to the domains table and the route table; unique across apps; not under the base domain', async (t) => {
  const d = (await must(api.call('POST', '/v1/apps/shop/domains', { token: a.token, body: { hostname: 'WWW.Shop.Example' } }), 201)).body;
  t.like(d, { hostname: 'www.shop.example', certificate: null });
  t.deepEqual(await hostRow('www.shop.example'), { app: 'shop', certificate: null });
  const taken = await api.call('POST', '/v1/apps/blog/domains', { token: b.token, body: { hostname: 'www.shop.example' } });
  t.is(taken.status, 409);
  t.is((await api.call('POST', '/v1/apps/shop/domains', { token: a.token, body: { hostname: 'blog.localhost' } })).status, 400);
  for (const hostname of ['no_underscores.example', 'trailing-.example', 'single', '*.*.example']) {
    t.is((await api.call('POST', '/v1/apps/shop/domains', { token: a.token, body: { hostname } })).status, 400, hostname);
  }
  t.like((await must(api.call('GET', '/v1/apps/shop', { token: a.token }), 200)).body as object, { domains: ['www.shop.example'] });
});

test.serial('a certificate must match its key and name hosts; covering domains (exact and wildcard) switch to it', async (t) => {
  const wild = await makeCert('wild', ['*.shop.example', 'shop.example']);
  const other = await makeCert('other', ['blog.localhost']); // blog's default domain
  t.is((await api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: { cert: wild.cert, key: other.key } })).status, 400);
  t.is((await api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: { cert: 'not a cert', key: wild.key } })).status, 400);
  const cert = (await must(api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: wild }), 201)).body as { name: string; hostnames: string[]; expiresAt: string };
  t.regex(cert.name, /^shop-[0-9a-f]{8}$/);
  t.deepEqual(cert.hostnames.sort(), ['*.shop.example', 'shop.example']);
  t.true(Date.parse(cert.expiresAt) > Date.now() + 29 * 86400_000);
  t.deepEqual(await hostRow('www.shop.example'), { app: 'shop', certificate: cert.name });
  const stored = await api.db.query('SELECT cert_pem, key_pem FROM router_certificates WHERE name = $1', [cert.name]);
  t.deepEqual(stored.rows[0], { cert_pem: wild.cert, key_pem: wild.key });
  // Domains added later pick up a covering certificate; others do not.
  await must(api.call('POST', '/v1/apps/shop/domains', { token: a.token, body: { hostname: 'shop.example' } }), 201);
  await must(api.call('POST', '/v1/apps/shop/domains', { token: a.token, body: { hostname: 'a.b.shop.example' } }), 201);
  t.is((await hostRow('shop.example'))?.certificate, cert.name);
  t.is((await hostRow('a.b.shop.example'))?.certificate, null);
  const domains = (await must(api.call('GET', '/v1/apps/shop/domains', { token: a.token }), 200)).body as Array<{ hostname: string; certificate: string | null }>;
  t.deepEqual(domains.map((d) => [d.hostname, d.certificate]), [['a.b.shop.example', null], ['shop.example', cert.name], ['www.shop.example', cert.name]]);
  // The PEM never comes back.
  const listed = (await must(api.call('GET', '/v1/apps/shop/certs', { token: a.token }), 200)).text;
  t.false(listed.includes('PRIVATE KEY'));
  t.false(listed.includes('BEGIN CERTIFICATE'));
  // Another tenant cannot use the name.
  t.is((await api.call('POST', '/v1/apps/blog/certs', { token: b.token, body: { ...other, name: cert.name } })).status, 409);
});

test.serial('removing a certificate falls back to another covering one, or none; removing a domain removes its host', async (t) => {
  const www = await makeCert('www', ['www.shop.example']);
  const named = (await must(api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: { ...www, name: 'shop-www' } }), 201)).body as { name: string };
  t.is((await hostRow('www.shop.example'))?.certificate, 'shop-www');
  const wildName = (await api.db.query<{ name: string }>("SELECT name FROM certificates WHERE name LIKE 'shop-%' AND name <> 'shop-www'")).rows[0].name;
  await must(api.call('DELETE', `/v1/apps/shop/certs/${named.name}`, { token: a.token }), 204);
  t.is((await hostRow('www.shop.example'))?.certificate, wildName);
  await must(api.call('DELETE', `/v1/apps/shop/certs/${wildName}`, { token: a.token }), 204);
  t.is((await hostRow('www.shop.example'))?.certificate, null);
  t.is((await api.db.query('SELECT 1 FROM router_certificates')).rowCount, 0);
  t.is((await api.call('DELETE', `/v1/apps/shop/certs/${wildName}`, { token: a.token })).status, 404);
  await must(api.call('DELETE', '/v1/apps/shop/domains/www.shop.example', { token: a.token }), 204);
  t.is(await hostRow('www.shop.example'), undefined);
  t.is((await api.call('DELETE', '/v1/apps/shop/domains/www.shop.example', { token: a.token })).status, 404);
  const actions = ((await must(api.call('GET', '/v1/apps/shop/activity', { token: a.token }), 200)).body as Array<{ action: string }>).map((e) => e.action);
  t.deepEqual(actions.slice(0, 4), ['domains.remove', 'certs.remove', 'certs.remove', 'certs.add']);
  const details = await api.db.query("SELECT details::text AS d FROM audit_log WHERE action LIKE 'certs.%'");
  t.false(details.rows.some((r) => String(r.d).includes('PRIVATE')));
});

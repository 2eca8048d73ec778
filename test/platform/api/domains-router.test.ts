/**
 * Domains can't be hijacked, end to end: a tenant claims names through the
 * real API (real PostgreSQL), a real tspaas-router serves the route table the
 * platform wrote, and real backends answer. Whatever the attacker tried, a
 * bare IP or a name nobody may own answers the router's 404 page, and the
 * victim's names (in any spelling) reach the victim's app with the victim's
 * certificate, never the attacker's.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setBackends } from '../../../platform/routing/backends.js';
import { get, getTls, startBackend, startRouter, type TestBackend, type TestRouter } from '../../helpers/router.js';
import { selfSignedCert } from '../../helpers/certs.js';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
let router: TestRouter;
let backends: TestBackend[] = [];
let tmp: string;
let evil: { token: string };
let victim: { token: string };

test.before(async () => {
  api = await startApi('api_domains_router');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tsp-domains-router-'));
  evil = await api.tenant('mallory');
  victim = await api.tenant('alice');
  await must(api.call('POST', '/v1/apps', { token: evil.token, body: { name: 'evil' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: victim.token, body: { name: 'victim' } }), 201);
  backends = [await startBackend('evil'), await startBackend('victim')];
  // What a deploy's route switch writes: each app's running process (here a small server on loopback).
  await api.db.transaction(async (q) => {
    for (const b of backends) await setBackends(q, b.name, [{ address: '127.0.0.1', port: b.port }]);
  });
  router = await startRouter(api.tdb.url);
});

test.after.always(async () => {
  await router?.stop();
  await Promise.all(backends.map((b) => b.close()));
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// The attacker's claims, each with its source; every one is refused with a 4xx before anything is written.
const CLAIMS: Array<[string, string]> = [
  ['127.0.0.1', 'OWASP SSRF cheat sheet'], ['127.1', 'inet_aton short form'], ['0x7f.0.0.1', 'hex octet'],
  ['2130706433', 'dword form'], ['[::1]', 'IPv6 literal'], ['*.0.0.1', 'a wildcard over an IPv4 literal'],
  ['localhost', 'RFC 6761'], ['*.localhost', 'RFC 6761, and a wildcard over every default domain'],
  ['victim.localhost', "the victim's default domain"], ['VICTIM.localhost.', "the victim's default domain, respelled"],
  ['www.victim.example', "the victim's domain"], ['WWW.Victim.Example.', "the victim's domain, respelled (RFC 4343)"],
  ['*.victim.example', "a wildcard over the victim's domain"], ['api.wild.example', "a name under the victim's wildcard"],
  ['wild.example', "the apex of the victim's wildcard"],
];

test.serial("an attacker's claims are refused, and the router serves the victim's names only to the victim", async (t) => {
  await must(api.call('POST', '/v1/apps/victim/domains', { token: victim.token, body: { hostname: 'www.victim.example' } }), 201);
  await must(api.call('POST', '/v1/apps/victim/domains', { token: victim.token, body: { hostname: '*.wild.example' } }), 201);
  await must(api.call('POST', '/v1/apps/evil/domains', { token: evil.token, body: { hostname: 'www.evil.example' } }), 201);
  for (const [hostname, source] of CLAIMS) {
    const r = await api.call('POST', '/v1/apps/evil/domains', { token: evil.token, body: { hostname } });
    t.true(r.status === 400 || r.status === 409, `${hostname} (${source}): ${r.status} ${r.text}`);
    t.false(/alice|victim[^.]/.test((r.body as { error: { message: string } }).error.message), `${hostname}: names no owner`);
  }
  // A certificate for the attacker's name and the victim's: accepted for the attacker's name only.
  await must(api.call('POST', '/v1/apps/evil/certs', { token: evil.token, body: await selfSignedCert(tmp, 'evil', ['www.evil.example', 'www.victim.example', '*.wild.example']) }), 201);
  await router.apply(async () => undefined);

  const served = async (host: string) => {
    const r = await get(router.httpPort, '/', { host, headers: { accept: 'application/json' } });
    return r.status === 404 ? `404 ${JSON.parse(r.body).error.code}` : `${r.status} ${JSON.parse(r.body).backend}`;
  };
  t.is(await served('www.evil.example'), '200 evil', "the attacker's own name works (the test can tell apps apart)");
  for (const host of ['www.victim.example', 'WWW.VICTIM.EXAMPLE.', `www.victim.example:${router.httpPort}`, 'api.wild.example', 'a.b.wild.example', 'victim.localhost']) {
    t.is(await served(host), '200 victim', host);
  }
  for (const host of ['127.0.0.1', `127.0.0.1:${router.httpPort}`, '127.1', '0x7f.0.0.1', '2130706433', '[::1]', `[::1]:${router.httpPort}`,
    'localhost', 'nobody.localhost', 'wild.example']) {
    t.is(await served(host), '404 no_such_app', host);
  }
  // TLS: the attacker's certificate answers for the attacker's name only; the victim's names get the router's default.
  t.is((await getTls(router.httpsPort, 'www.evil.example')).subject, 'www.evil.example');
  for (const host of ['www.victim.example', 'api.wild.example']) {
    const r = await getTls(router.httpsPort, host);
    t.is(r.subject, 'tspaas-router', host);
    t.is(JSON.parse(r.body).backend, 'victim', host);
  }
});

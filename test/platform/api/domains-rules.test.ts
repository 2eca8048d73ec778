/**
 * Domains can't be hijacked (issue 12, part 5), through the real API on a
 * real database: names that are not DNS names of the caller's own are
 * refused with a clear 400, overlaps with another team's domains with a 409
 * that names no owner, certificates must cover a name of their app, and the
 * route-table writer never moves another app's host row.
 * The platform here has base domain apps.example.net and public URL
 * https://paas.example.net/, so the platform-name rules are seen apart from
 * the localhost rule.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kindOf } from '../../../lib/errors.js';
import { putHost } from '../../../platform/routing/hosts.js';
import { selfSignedCert } from '../../helpers/certs.js';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
let a: { token: string };
let b: { token: string };
let tmp: string;
test.before(async () => {
  api = await startApi('api_domain_rules', {}, { baseDomain: 'apps.example.net', publicUrl: 'https://paas.example.net/' });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tsp-domain-rules-'));
  a = await api.tenant('rules-a');
  b = await api.tenant('rules-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop-admin' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'journal' } }), 201);
});
test.after.always(async () => { await api?.close(); if (tmp) await rm(tmp, { recursive: true, force: true }); });

const add = (app: string, token: string, hostname: string) => api.call('POST', `/v1/apps/${app}/domains`, { token, body: { hostname } });
const errorOf = (body: unknown): string => JSON.stringify(body);

// [name, what the message says, source of the case]
const NOT_DNS_NAMES: Array<[string, RegExp, string]> = [
  ['127.0.0.1', /IP address/, 'OWASP SSRF prevention cheat sheet: dotted IPv4'],
  ['127.1', /IP address/, 'OWASP SSRF cheat sheet / inet_aton short form'],
  ['0x7f.0.0.1', /IP address/, 'OWASP SSRF cheat sheet: hex octet'],
  ['0177.0.0.1', /IP address/, 'OWASP SSRF cheat sheet: octal octet'],
  ['2130706433', /IP address/, 'OWASP SSRF cheat sheet: dword form'],
  ['0x7f000001', /IP address/, 'WHATWG URL "ends in a number checker": hex last label'],
  ['10.0.0.1.', /IP address/, 'trailing-dot IPv4'],
  ['*.0.0.1', /IP address/, 'a wildcard that would catch Host: 127.0.0.1'],
  ['[::1]', /IP address/, 'RFC 3986 IP-literal'],
  ['::ffff:127.0.0.1', /IP address/, 'IPv4-mapped IPv6 (RFC 4291 §2.5.5.2)'],
  ['fd00::1', /IP address/, 'IPv6 literal'],
  ['localhost', /loopback/, 'RFC 6761 §6.3'],
  ['LOCALHOST.', /loopback/, 'RFC 6761 §6.3, case and absolute form'],
  ['admin.localhost', /loopback/, 'RFC 6761 §6.3: subdomains of localhost'],
  ['*.localhost', /loopback/, 'RFC 6761 §6.3'],
  ['intranet', /single label/, 'RFC 1123 §2.1; single-label names resolve by search list'],
  ['*.com', /single label/, 'wildcard on a TLD'],
  ['*.co.uk', /public suffix co\.uk/, 'publicsuffix.org: wildcard on a public suffix'],
  ['*.github.io', /public suffix github\.io/, 'publicsuffix.org private section (subdomain takeover write-ups on github.io)'],
  ['co.uk', /is a public suffix/, 'publicsuffix.org'],
  ['anything.ck', /is a public suffix/, 'publicsuffix.org wildcard rule *.ck'],
  ['foo.*.example.com', /leftmost label/, 'RFC 6125 §6.4.3: wildcard only leftmost'],
  ['*.*.example.com', /leftmost label/, 'RFC 6125 §6.4.3'],
  ['f*o.example.com', /leftmost label/, 'RFC 6125 §6.4.3: partial-label wildcard'],
  ['*', /leftmost label/, 'bare wildcard'],
  ['_dmarc.example.com', /underscores/, 'RFC 8552 underscored names; CA/B ballot SC12'],
  ['my_app.example.com', /underscores/, 'RFC 1123 §2.1 LDH rule'],
  ['-shop.example.com', /letters, digits and inner hyphens/, 'RFC 952 / RFC 1123: no leading hyphen'],
  ['shop-.example.com', /letters, digits and inner hyphens/, 'RFC 952: no trailing hyphen'],
  ['shop..example.com', /empty labels/, 'RFC 1035 §2.3.1: empty label'],
  ['.example.com', /empty labels/, 'RFC 1035: leading dot'],
  ['example.com..', /empty labels/, 'two trailing dots'],
  [`${'a'.repeat(64)}.example.com`, /longer than 63/, 'RFC 1035 §2.3.4 label limit'],
  [`${`${'a'.repeat(63)}.`.repeat(3)}${'b'.repeat(58)}.com`, /longer than 253/, 'RFC 1035 §2.3.4 name limit (254 characters)'],
  [`${'abcd.'.repeat(60)}example.com`, /more than 254 characters/, 'RFC 1035 §2.3.4, far over (the body schema)'],
  ['xn--zz.example.com', /not valid punycode/, 'RFC 3492: invalid punycode'],
  ['ab--cd.example.com', /reserved for punycode/, 'RFC 5891 §4.2.3.1: reserved hyphens'],
  ['bücher.example.com', /punycode: xn--bcher-kva\.example\.com/, 'RFC 5890: IDNs travel as A-labels'],
  ['ｅxample.com', /not an ASCII/, 'Unicode fullwidth homoglyph (UTS #39)'],
  ['shop.example.com ', /not an ASCII/, 'trailing space'],
  ['shop.example.com\u0000.evil.com', /NUL character|not an ASCII/, 'NUL byte injection (CVE-2009-2408 style)'],
  ['apps.example.net', /under apps\.example\.net/, 'the base domain itself'],
  ['journal.apps.example.net', /under apps\.example\.net/, "another app's default domain"],
  ['Journal.Apps.Example.Net.', /under apps\.example\.net/, "another app's default domain, case and trailing dot"],
  ['x.journal.apps.example.net', /under apps\.example\.net/, "a name under another app's default domain"],
  ['*.apps.example.net', /under apps\.example\.net/, 'a wildcard over every default domain'],
  ['*.example.net', /covers apps\.example\.net/, 'a wildcard over the base domain'],
  ['paas.example.net', /platform's own host name/, "the platform's public host"],
];

test.serial('names that are not DNS names of the app are refused with a 400 that says why', async (t) => {
  for (const [hostname, message, source] of NOT_DNS_NAMES) {
    const r = await add('shop', a.token, hostname);
    t.is(r.status, 400, `${hostname} (${source}): ${r.text}`);
    t.regex(errorOf(r.body), message, `${hostname} (${source})`);
  }
  t.is((await api.db.query('SELECT 1 FROM domains')).rowCount, 0);
  t.is((await api.db.query('SELECT 1 FROM router_hosts')).rowCount, 0);
});

test.serial('case and a trailing dot are one name; the app may claim names under its own default domain', async (t) => {
  t.like((await must(add('shop', a.token, 'WWW.Shop.Example.com.'), 201)).body as object, { hostname: 'www.shop.example.com' });
  t.is((await add('shop', a.token, 'www.shop.example.com')).status, 409);
  for (const own of ['shop.apps.example.net', '*.shop.apps.example.net', 'xn--bcher-kva.example.com', 'www.ck']) {
    t.is((await add('shop', a.token, own)).status, 201, own);
  }
  await must(api.call('DELETE', '/v1/apps/shop/domains/WWW.SHOP.EXAMPLE.COM.', { token: a.token }), 204);
  t.is((await api.db.query("SELECT 1 FROM router_hosts WHERE host = 'www.shop.example.com'")).rowCount, 0);
});

// Subdomain takeover write-ups (e.g. "Heroku/GitHub Pages dangling CNAME"): a wildcard or a name inside another
// tenant's zone must not capture its traffic. Team B holds these; team A tries around them.
test.serial("another team's names, and wildcards over or under them, are a 409 that names no owner", async (t) => {
  for (const own of ['www.blog.example.org', '*.wild.example.org', 'apex.example.org']) await must(add('journal', b.token, own), 201);
  const attempts: Array<[string, RegExp]> = [
    ['www.blog.example.org', /is already in use/],
    ['WWW.BLOG.EXAMPLE.ORG.', /is already in use/],
    ['*.wild.example.org', /is already in use/],
    ['*.blog.example.org', /covers a host name that is already in use/],
    ['*.example.org', /covers a host name that is already in use/],
    ['*.apex.example.org', /covers a host name that is already in use/],
    ['api.wild.example.org', /covered by a wildcard domain that is already in use/],
    ['a.b.wild.example.org', /covered by a wildcard domain that is already in use/],
    ['wild.example.org', /covered by a wildcard domain that is already in use/],
    ['*.x.wild.example.org', /covered by a wildcard domain that is already in use/],
  ];
  for (const [hostname, message] of attempts) {
    const r = await add('shop', a.token, hostname);
    t.is(r.status, 409, hostname);
    t.regex(errorOf(r.body), message, hostname);
    t.notRegex(r.text, /journal|rules-b/, `${hostname}: the message names no owner`);
  }
  // Beside the zone, not in it: other.example.org is nobody's.
  await must(add('shop', a.token, 'other.example.org'), 201);
  // Within one team, names may overlap: the router sends each host to the most specific.
  await must(add('shop', a.token, '*.shop.example.com'), 201);
  await must(add('shop-admin', a.token, 'admin.shop.example.com'), 201);
  const rows = (await api.db.query<{ host: string; app: string }>('SELECT host, app FROM router_hosts ORDER BY host')).rows;
  t.false(rows.some((r) => r.app === 'shop' && /blog|wild|apex/.test(r.host)));
});

test.serial('two teams racing for overlapping names: one wins, the other gets the 409', async (t) => {
  for (let round = 0; round < 5; round++) {
    const zone = `race${round}.example.org`;
    const [wild, host] = await Promise.all([add('shop', a.token, `*.${zone}`), add('journal', b.token, `www.${zone}`)]);
    t.deepEqual([wild.status, host.status].sort(), [201, 409], zone);
  }
});

test.serial("the route-table writer never moves another app's host row, in any spelling", async (t) => {
  const before = (await api.db.query('SELECT host, app, certificate FROM router_hosts ORDER BY host')).rows;
  for (const host of ['www.blog.example.org', 'WWW.blog.example.org', 'www.blog.example.org.']) {
    const err = await api.db.transaction((q) => putHost(q, host, 'shop', null)).then(() => null, (e: unknown) => e);
    t.is(kindOf(err), host === 'www.blog.example.org' ? 'Conflict' : 'Invalid', host);
  }
  t.deepEqual((await api.db.query('SELECT host, app, certificate FROM router_hosts ORDER BY host')).rows, before);
});

test.serial("certificates: only for a name of the app, and attached only to the app's own domains", async (t) => {
  const foreign = await selfSignedCert(tmp, 'foreign', ['www.blog.example.org', '*.wild.example.org']);
  const r = await api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: foreign });
  t.is(r.status, 400);
  t.regex(errorOf(r.body), /covers none of shop's domains \(shop\.apps\.example\.net, /);
  // Some of the app's names and some of another team's: accepted, served only for the app's.
  const mixed = await selfSignedCert(tmp, 'mixed', ['other.example.org', 'www.blog.example.org', 'api.wild.example.org']);
  const cert = (await must(api.call('POST', '/v1/apps/shop/certs', { token: a.token, body: mixed }), 201)).body as { name: string };
  const certOf = async (host: string) => (await api.db.query<{ certificate: string | null }>('SELECT certificate FROM router_hosts WHERE host = $1', [host])).rows[0]?.certificate;
  t.is(await certOf('other.example.org'), cert.name);
  t.is(await certOf('www.blog.example.org'), null);
  t.is(await certOf('*.wild.example.org'), null);
  // The default domain counts as the app's (journal has no custom domain it covers).
  const own = await selfSignedCert(tmp, 'own', ['journal.apps.example.net']);
  await must(api.call('POST', '/v1/apps/journal/certs', { token: b.token, body: own }), 201);
  t.is((await api.call('POST', '/v1/apps/shop-admin/certs', { token: a.token, body: own })).status, 400);
});

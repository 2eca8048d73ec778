/**
 * ADD <url> downloads, run inside the build's own network sandbox: a small
 * Node program started with `nsenter --net=<namespace>` (the engine's own
 * binary, this host's files, the sandbox's network), resolving names through
 * the network's DNS responder on its gateway. So a URL naming 127.0.0.1, the
 * host's own address or another tenant's container reaches exactly what a
 * RUN step of the same build would reach: the build's loopback, or nothing
 * the firewall lets through — never the engine's host-side services.
 */
import { run } from '../../lib/exec.js';
import { invalid } from '../../lib/errors.js';
import type { BuildDeps } from './state.js';

/** Where the download runs: a network namespace and its DNS server, or (netns null) the host's own network (`--network host`). */
export interface FetchPlace {
  netns: string | null;
  dns: string | null;
}

/** What came back besides the body (written to the destination file). */
export interface Fetched {
  lastModified: string | null;
}

const MAX_REDIRECTS = 10;
/** Nothing of the engine's environment leaks in; HTTPS trusts the host's CA bundle besides Node's own. */
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
/** Idle time of a download, and time to connect (a firewall that drops packets makes a connection hang, never fail). */
const TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 20_000;

/* The program: GET with redirects (http/https only), names through DNS_SERVER when given, body to DEST, headers as JSON on stdout. */
const PROGRAM = `
const http = require('http'), https = require('https'), dns = require('dns'), fs = require('fs'), net = require('net');
const [first, dest, server, maxRedirects, timeoutMs, connectMs] = process.argv.slice(1);
const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
if (server) resolver.setServers([server]);
const fail = (m) => { process.stderr.write(m); process.exit(2); };
function lookup(host, opts, cb) {
  resolver.resolve4(host, (err, addrs) => {
    if (err) return cb(Object.assign(new Error('getaddrinfo ' + err.code + ' ' + host), { code: err.code }));
    if (opts && opts.all) return cb(null, addrs.map((a) => ({ address: a, family: 4 })));
    cb(null, addrs[0], 4);
  });
}
function get(url, left) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
  if (!mod) fail(': redirected to an unsupported URL scheme in ' + url + ': only http and https URLs are supported');
  const req = mod.get(u, { lookup: server ? lookup : undefined, timeout: Number(timeoutMs) }, (res) => {
    if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location) {
      res.resume();
      if (left <= 0) fail(': too many redirects');
      return get(new URL(res.headers.location, u).href, left - 1);
    }
    if (res.statusCode < 200 || res.statusCode > 299) fail(' with status ' + res.statusCode + ': ' + res.statusMessage);
    const out = fs.createWriteStream(dest, { mode: 0o600 });
    res.on('error', (e) => fail(': ' + e.message));
    res.pipe(out).on('finish', () => process.stdout.write(JSON.stringify({ lastModified: res.headers['last-modified'] || null })));
  });
  req.on('socket', (s) => {
    const t = setTimeout(() => req.destroy(new Error('connect to ' + u.host + ' timed out')), Number(connectMs));
    s.once('connect', () => clearTimeout(t)).once('close', () => clearTimeout(t));
  });
  req.on('timeout', () => req.destroy(new Error('timed out')));
  req.on('error', (e) => fail(': ' + e.message));
}
get(first, Number(maxRedirects));
`;

/** GET `url` (following redirects) into the file `dest` from `place`; `Invalid` with Docker's wording when it fails. */
export async function fetchUrl(place: FetchPlace, url: string, dest: string): Promise<Fetched> {
  const node = [process.execPath, '-e', PROGRAM, url, dest, place.dns ?? '', String(MAX_REDIRECTS), String(TIMEOUT_MS), String(CONNECT_TIMEOUT_MS)];
  const [cmd, ...args] = place.netns ? ['nsenter', `--net=${place.netns}`, ...node] : node;
  const res = await run(cmd, args, { allowFailure: true, env: ENV });
  if (res.code !== 0) throw invalid(`ADD failed: failed to GET ${url}${res.stderr.trimEnd() || `: the download exited with ${res.code}`}`);
  return JSON.parse(res.stdout) as Fetched;
}

/** The networks `networkMode` may name for the default one (the container side's rule). */
const DEFAULT_MODES = new Set(['', 'default', 'bridge']);

/**
 * GET `url` into `dest` from where the build's RUN steps are: a fresh sandbox
 * on the build's network (`bridge` by default), the host's network only for
 * `--network host`, nothing for `--network none`.
 */
export async function fetchForBuild(deps: Pick<BuildDeps, 'withSandbox'>, networkMode: string | undefined, url: string, dest: string): Promise<Fetched> {
  const mode = networkMode ?? '';
  if (mode === 'host') return fetchUrl({ netns: null, dns: null }, url, dest);
  if (mode === 'none') throw invalid(`ADD failed: failed to GET ${url}: the build has no network (--network none)`);
  return deps.withSandbox(DEFAULT_MODES.has(mode) ? 'bridge' : mode, (state) => {
    const dns = state.endpoints[0]?.gateway || null;
    return fetchUrl({ netns: state.netns, dns }, url, dest);
  });
}

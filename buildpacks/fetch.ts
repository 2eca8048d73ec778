/**
 * `https://` buildpacks, fetched by the running build container itself, on
 * the build's network: never by this host, so a URL can reach only what the
 * build's own steps could. Before the download the URL's host is resolved in
 * the container (`getent ahostsv4`, the container's resolver) and refused
 * when any address is loopback, link-local, unspecified, multicast/reserved,
 * one of this host's own addresses or inside a subnet of one of the engine's
 * networks (the OWASP SSRF prevention cheat sheet's advice: check the
 * resolved address, not the name). The checked address is then pinned for
 * the download (curl `--resolve`, git `http.curloptResolve`), so a second,
 * different DNS answer cannot move it; redirects stay inside the sandbox.
 */
import os from 'node:os';
import { unavailable } from '../lib/errors.js';
import type { Engine } from '../runtime/types.js';
import { BUILDPACKS_DIR } from './build-container.js';
import { execLines } from './container.js';
import { readText, type PhaseContext } from './phases.js';
import { refused } from './resolve.js';
import { detail, step } from './style.js';
import type { RemoteBuildpack, ResolvedBuildpack } from './types.js';

/** Ranges no buildpack host may resolve to, whatever the host's own addresses are. */
const ALWAYS_DENIED = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];

const TARBALL = `set -eu
d=$1; pin_to=$2; url=$3; t=$(mktemp -d)
mkdir -p "$(dirname "$d")"
curl -fsSL --proto =https --proto-redir =https --resolve "$pin_to" --max-time 600 -o "$t.tar" -- "$url"
tar -xf "$t.tar" -C "$t" --no-same-owner
rm -f "$t.tar"
if [ -d "$t/bin" ]; then mv "$t" "$d"; exit 0; fi
set -- "$t"/*
if [ $# -eq 1 ] && [ -d "$1/bin" ]; then mv "$1" "$d"; exit 0; fi
echo "the tarball has no bin/ directory (at its top or in its one top directory)" >&2; exit 3`;

const GIT = `set -eu
d=$1; pin_to=$2; url=$3; ref=\${4:-}
mkdir -p "$(dirname "$d")"
git -c protocol.allow=never -c protocol.https.allow=always -c "http.curloptResolve=$pin_to" clone --quiet -- "$url" "$d"
if [ -n "$ref" ]; then git -C "$d" -c advice.detachedHead=false checkout --quiet "$ref"; fi
if [ ! -d "$d/bin" ]; then echo "the repository has no bin/ directory" >&2; exit 3; fi`;

/** Fetch every remote buildpack of the build into its container (the container runs, on the build's network). */
export async function fetchRemoteBuildpacks(ctx: PhaseContext, buildpacks: ResolvedBuildpack[]): Promise<void> {
  const remote = buildpacks.filter((b) => b.remote !== null);
  if (remote.length === 0) return;
  const denied = await deniedRanges(ctx.engine);
  for (const bp of remote) {
    ctx.out(step(`Fetching buildpack ${bp.ref}`));
    const address = await checkedAddress(ctx, bp, denied);
    await download(ctx, bp, bp.remote!, address);
  }
}

/** The host's address for the download: resolved in the container, every answer allowed; else the uniform refusal. */
async function checkedAddress(ctx: PhaseContext, bp: ResolvedBuildpack, denied: Cidr[]): Promise<string> {
  const text = await readText(ctx, ['getent', 'ahostsv4', bp.remote!.host]);
  const addresses = [...new Set((text ?? '').split('\n').map((l) => l.split(/\s+/)[0]).filter((a) => parseIp(a) !== null))];
  if (addresses.length === 0) throw unavailable(`cannot fetch buildpack ${bp.ref}: the name ${bp.remote!.host} does not resolve`);
  if (addresses.some((a) => denied.some((c) => inCidr(parseIp(a)!, c)))) throw refused(bp.ref);
  return addresses[0];
}

async function download(ctx: PhaseContext, bp: ResolvedBuildpack, r: RemoteBuildpack, address: string): Promise<void> {
  const dir = `${BUILDPACKS_DIR}/${bp.slug}`;
  const script = r.kind === 'tarball' ? TARBALL : GIT;
  const cmd = ['bash', '-c', script, 'fetch', dir, `${r.host}:${r.port}:${address}`, r.url, ...(r.pin ? [r.pin] : [])];
  const res = await execLines(ctx.engine, ctx.id, cmd, (l) => ctx.out(detail(l)), ctx.deadline, ['GIT_TERMINAL_PROMPT=0']);
  if (res.timedOut) throw unavailable(`fetching buildpack ${bp.ref} ran past the build time limit and was killed`);
  if (res.exitCode !== 0) throw unavailable(`cannot fetch buildpack ${bp.ref} (exit code ${res.exitCode}); see the output above`);
}

interface Cidr { base: number; mask: number }

/** The fixed ranges, this host's own IPv4 addresses, and the subnets of the engine's networks. */
async function deniedRanges(engine: Engine): Promise<Cidr[]> {
  const own = Object.values(os.networkInterfaces()).flat().filter((a) => a?.family === 'IPv4').map((a) => `${a!.address}/32`);
  const subnets = (await engine.listNetworks()).map((n) => n.subnet).filter(Boolean);
  return [...ALWAYS_DENIED, ...own, ...subnets].map(parseCidr).filter((c): c is Cidr => c !== null);
}

/** Dotted IPv4 → 32-bit number; null for anything else. */
export function parseIp(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return null;
  return m.slice(1).reduce((n, o) => n * 256 + Number(o), 0);
}

function parseCidr(text: string): Cidr | null {
  const [ip, bits] = text.split('/');
  const base = parseIp(ip);
  const prefix = Number(bits);
  if (base === null || !(prefix >= 0 && prefix <= 32)) return null;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

function inCidr(ip: number, c: Cidr): boolean {
  return ((ip & c.mask) >>> 0) === c.base;
}

/**
 * A container's sandbox: its network namespace plus one CNI attachment per
 * network. The plan (which lists, which interface, which runtime config) is
 * written to `<run>/network/sandboxes/<id>.json` before anything is created,
 * and the CNI results are added once ADD succeeds, so `detachSandbox` can
 * undo any prefix of `attachSandbox` — also in an engine that crashed half
 * way and started again.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from '../../lib/fs.js';
import { isErrno, unavailable } from '../../lib/errors.js';
import { addList, delList, type CniResult, type ConfList } from './cni.js';
import { createNetns, inNetns, removeNetns } from './netns.js';
import { guardOf, installGuards, removeGuards, type PortGuard } from './antispoof.js';
import type { Endpoint, Link, PortBinding, SandboxState } from './types.js';

/** One network of a sandbox: what ADD was (or will be) given and what it returned. */
export interface AttachmentRecord {
  networkId: string;
  networkName: string;
  ifname: string;
  list: ConfList;
  runtimeConfig: Record<string, unknown>;
  aliases: string[];
  /** `--link` aliases on this network, answered by the DNS responder to this container only. */
  links?: Link[];
  /** Link-local addresses added to the interface once ADD is done. */
  linkLocalIps?: string[];
  result?: CniResult;
}

/** What is on disk for one container. */
export interface SandboxRecord {
  containerId: string;
  /** Container name when attached (for DNS). */
  name: string;
  netns: string;
  attachments: AttachmentRecord[];
  ports: PortBinding[];
}

/** The sandbox files and the CNI plugin path of one engine. */
export interface SandboxDirs {
  /** `<run>/network`: sandboxes/, netns/, ipam/. */
  dir: string;
  cniPath: string[];
}

export const sandboxFile = (d: SandboxDirs, id: string) => path.join(d.dir, 'sandboxes', `${id}.json`);
export const netnsFile = (d: SandboxDirs, id: string) => path.join(d.dir, 'netns', id);

/** Create the namespace (lo up) and run ADD for every attachment (in parallel); undo everything on failure. */
export async function attachSandbox(d: SandboxDirs, rec: SandboxRecord): Promise<SandboxRecord> {
  await fsp.mkdir(path.dirname(sandboxFile(d, rec.containerId)), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(sandboxFile(d, rec.containerId), rec, { durable: false });
  try {
    await createNetns(rec.netns);
    const target = (ifname: string, runtimeConfig?: Record<string, unknown>) => ({ containerId: rec.containerId, netns: rec.netns, ifname, runtimeConfig });
    // lo is up already (createNetns)
    const results = await Promise.all(rec.attachments.map((a) => addList(d.cniPath, a.list, target(a.ifname, a.runtimeConfig))));
    for (const a of rec.attachments) await addLinkLocal(rec.netns, a);
    const done = { ...rec, attachments: rec.attachments.map((a, i) => ({ ...a, result: results[i] })) };
    await writeJsonAtomic(sandboxFile(d, rec.containerId), done, { durable: false });
    await installGuards(guardsOf(done.attachments));
    return done;
  } catch (err) {
    await detachSandbox(d, rec).catch(() => undefined); // roll-back: the attach error is the one to report; the engine start's sweep removes what stays
    throw err;
  }
}

/** Run DEL for every attachment, release the namespace, forget the record. */
export async function detachSandbox(d: SandboxDirs, rec: SandboxRecord): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(rec.attachments.map((a) => detachOne(d, rec, a).catch((e: unknown) => errors.push(e))));
  await removeNetns(rec.netns).catch((e: unknown) => errors.push(e));
  if (errors.length > 0) throw errors[0];
  await fsp.rm(sandboxFile(d, rec.containerId), { force: true });
}

/** DEL one attachment (its namespace may be gone already: plugins must tolerate that). */
export async function detachOne(d: SandboxDirs, rec: SandboxRecord, a: AttachmentRecord): Promise<void> {
  const netns = await fsp.access(rec.netns).then(() => rec.netns, () => '');
  try {
    await delList(d.cniPath, a.list, { containerId: rec.containerId, netns, ifname: a.ifname, runtimeConfig: a.runtimeConfig }, a.result);
  } finally {
    await removeGuards(knownGuardsOf([a]));
  }
}

/** ADD one more attachment to a live sandbox. */
export async function attachOne(d: SandboxDirs, rec: SandboxRecord, a: AttachmentRecord): Promise<AttachmentRecord> {
  const plan = { ...rec, attachments: [...rec.attachments, a] };
  await writeJsonAtomic(sandboxFile(d, rec.containerId), plan, { durable: false });
  const result = await addList(d.cniPath, a.list, { containerId: rec.containerId, netns: rec.netns, ifname: a.ifname, runtimeConfig: a.runtimeConfig });
  const added = { ...a, result };
  try {
    await addLinkLocal(rec.netns, a);
    await installGuards(guardsOf([added]));
  } catch (err) {
    await detachOne(d, rec, added).catch(() => undefined); // roll-back: the attach error is the one to report; the engine start's sweep removes what stays
    throw err;
  }
  return added;
}

/** Add an attachment's link-local addresses (169.254.0.0/16) to its interface. */
async function addLinkLocal(netns: string, a: AttachmentRecord): Promise<void> {
  for (const ip of a.linkLocalIps ?? []) await inNetns(netns, 'ip', ['addr', 'add', `${ip}/16`, 'dev', a.ifname]);
}

/** The anti-spoofing guards of the attachments ADD has finished (antispoof.ts); a finished one without a veth, MAC or IPv4 is an error, never an unguarded port. */
export function guardsOf(attachments: AttachmentRecord[]): PortGuard[] {
  return attachments.filter((a) => a.result).map((a) => {
    const g = guardOf(String(a.list.plugins[0]?.bridge ?? ''), a.result, a.ifname);
    if (!g) throw unavailable(`cannot guard ${a.ifname} on ${a.networkName}: the CNI result names no host veth, MAC and IPv4 address`);
    return g;
  });
}

/** The guards the attachments ADD has finished would have (those to remove; none for a result without one). */
export function knownGuardsOf(attachments: AttachmentRecord[]): PortGuard[] {
  return attachments.flatMap((a) => guardOf(String(a.list.plugins[0]?.bridge ?? ''), a.result, a.ifname) ?? []);
}

/** Save a record as it is now. */
export async function saveSandbox(d: SandboxDirs, rec: SandboxRecord): Promise<void> {
  await writeJsonAtomic(sandboxFile(d, rec.containerId), rec, { durable: false });
}

/** Every sandbox record on disk. */
export async function loadSandboxes(d: SandboxDirs): Promise<SandboxRecord[]> {
  const dir = path.join(d.dir, 'sandboxes');
  const files = await fsp.readdir(dir).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return [] as string[]; throw err; });
  const out: SandboxRecord[] = [];
  for (const f of files.filter((x) => x.endsWith('.json'))) {
    // Records are written atomically, so an unreadable one is damage; skipped, its namespace and addresses are swept as a gone container's.
    const rec = await readJsonIfExists<SandboxRecord>(path.join(dir, f)).catch(() => undefined);
    if (rec) out.push(rec);
  }
  return out;
}

/** The public view of a record: endpoints with their addresses. */
export function stateOf(rec: SandboxRecord): SandboxState {
  return { netns: rec.netns, ports: rec.ports, endpoints: rec.attachments.filter((a) => a.result).map(endpointOf) };
}

function endpointOf(a: AttachmentRecord): Endpoint {
  const r = a.result!;
  const ifIndex = (r.interfaces ?? []).findIndex((i) => i.name === a.ifname && i.sandbox);
  const ip = (r.ips ?? []).find((x) => x.interface === ifIndex) ?? r.ips?.[0];
  const [address, prefix] = (ip?.address ?? '/0').split('/');
  return {
    networkId: a.networkId, networkName: a.networkName, ifname: a.ifname, ipAddress: address, prefixLen: Number(prefix),
    gateway: ip?.gateway ?? '', macAddress: r.interfaces?.[ifIndex]?.mac ?? '', aliases: a.aliases,
  };
}

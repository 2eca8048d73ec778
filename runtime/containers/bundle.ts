/**
 * The OCI spec of a container at start: named volumes resolved to host dirs,
 * `buildSpec`, the namespace/device/group… options (host-spec.ts), and for crun the seccomp filter precompiled (seccomp-bpf.ts).
 */
import path from 'node:path';
import type { ContainerContext } from './context.js';
import { compiledSeccomp, CRUN_BPF_ANNOTATION } from './seccomp-bpf.js';
import type { ContainerPaths } from './paths.js';
import { buildSpec, specInputFor, type OciSpec } from './spec.js';
import type { Container, MountSpec } from './types.js';
import type { IdMaps } from '../archive/owners.js';
import { ownFreshVolume, usernsOf } from './userns.js';
import { applyHostOptions, gatherHostFacts, mountShareableShm } from './host-spec.js';
import { pathsOf } from './context.js';
import { copyImageContent } from './volume-copy.js';

/** Generate config.json for a container whose rootfs is mounted at `p.rootfs`, joining `net.netnsPath` when it has networks. */
export async function specFor(ctx: ContainerContext, c: Container, p: ContainerPaths, net: { netnsPath?: string; env?: string[] } = {}): Promise<OciSpec> {
  const mounts = await resolveVolumes(ctx, c.record.options.mounts ?? [], usernsOf(c.record.options), p.rootfs);
  // Link variables come first: the container's own environment wins on a clash.
  const config = { ...c.record.config, Env: [...(net.env ?? []), ...(c.record.config.Env ?? [])] };
  const record = { ...c.record, config, options: { ...c.record.options, mounts } };
  const input = await specInputFor(record, {
    rootfs: p.rootfs, cgroupParent: ctx.config.cgroupParent, seccompProfile: ctx.config.seccompProfile,
    etcFiles: { hosts: p.hosts, hostname: p.hostname, resolvConf: p.resolvConf }, netnsPath: net.netnsPath,
    hostLimits: ctx.host.limits, cgroupLayout: ctx.host.cgroups,
  });
  await mountShareableShm(record.options, p.run);
  const lookup = { find: (ref: string) => ctx.store.resolve(ref), runDirOf: (id: string) => pathsOf(ctx, id).run };
  const spec = applyHostOptions(buildSpec(input), record.options, await gatherHostFacts(c.record.id, record.options, p.rootfs, lookup));
  if (c.record.runtime === 'crun' && spec.linux.seccomp) {
    const bpf = await compiledSeccomp(spec.linux.seccomp, path.join(ctx.config.root, 'seccomp'));
    if (bpf) spec.annotations = { ...spec.annotations, [CRUN_BPF_ANNOTATION]: bpf };
  }
  return spec;
}

/** Named volumes (created on first use) become binds of their data dirs; an empty one gets the image's content at its path first. */
async function resolveVolumes(ctx: ContainerContext, mounts: MountSpec[], maps: IdMaps | undefined, rootfs: string): Promise<MountSpec[]> {
  return Promise.all(mounts.map(async (m) => {
    if (m.type !== 'volume') return m;
    const v = await ctx.volumes.create(m.source || undefined, m.volumeLabels); // labels only when this creates it, as dockerd
    if (maps) await ownFreshVolume(v.mountpoint, maps); // issue 13 part 2
    if (!m.noCopy) await copyImageContent(rootfs, m.target, v.mountpoint);
    return { ...m, type: 'bind' as const, source: v.mountpoint };
  }));
}

/**
 * Docker's three ways to ask for mounts (HostConfig.Binds strings,
 * HostConfig.Mounts objects, HostConfig.Tmpfs map, plus anonymous volumes in
 * Config.Volumes) to tspaas `MountSpec`s, and back to inspect's `Mounts`.
 */
import { randomBytes } from 'node:crypto';
import { invalid } from '../../../lib/errors.js';
import type { MountSpec } from '../../containers/types.js';
import type { HostConfig, Mount, MountPoint } from './types.js';

export interface MountRequest {
  Binds?: string[] | null;
  Mounts?: Mount[] | null;
  Tmpfs?: Record<string, string> | null;
  /** Config.Volumes: anonymous volumes. */
  Volumes?: Record<string, unknown> | null;
}

/** Every mount of a create request, anonymous volumes last (and only where nothing else is mounted). */
export function parseMounts(m: MountRequest): MountSpec[] {
  const specs = [
    ...(m.Binds ?? []).map(parseBind),
    ...(m.Mounts ?? []).map(parseMountObject),
    ...Object.entries(m.Tmpfs ?? {}).map(([target, opts]) => tmpfs(target, opts)),
  ];
  const taken = new Set(specs.map((s) => s.target));
  for (const target of Object.keys(m.Volumes ?? {})) {
    if (!taken.has(target)) specs.push({ type: 'volume', source: randomBytes(32).toString('hex'), target: absolute(target), readOnly: false });
  }
  return specs;
}

/** `src:dst[:opts]`; a `src` without a slash names a volume. */
export function parseBind(bind: string): MountSpec {
  const parts = bind.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) throw invalid(`invalid volume specification: '${bind}'`);
  const [source, target, opts = ''] = parts as [string, string, string?];
  const flags = opts.split(',').filter(Boolean);
  for (const f of flags) {
    if (!/^(ro|rw|z|Z|nocopy|r?shared|r?slave|r?private|consistent|cached|delegated)$/.test(f)) throw invalid(`invalid mode: ${f}`);
    if (/^r?(shared|slave)$/.test(f)) throw invalid(`bind propagation "${f}" is not supported by tspaas: binds are rprivate`); // issue 16
  }
  const type = source.includes('/') ? 'bind' : 'volume';
  if (type === 'bind' && !source.startsWith('/')) throw invalid(`invalid volume specification: '${bind}': bind source must be an absolute path`);
  // nocopy on a bind asks for what a bind is anyway (nothing is copied into a host dir).
  return { type, source, target: absolute(target), readOnly: flags.includes('ro'), ...(type === 'volume' && flags.includes('nocopy') ? { noCopy: true } : {}) };
}

/** One entry of HostConfig.Mounts. */
export function parseMountObject(m: Mount): MountSpec {
  const target = absolute(m.Target ?? '');
  const readOnly = m.ReadOnly === true;
  switch (m.Type) {
    case 'bind':
      if (!m.Source?.startsWith('/')) throw invalid(`invalid mount config for type "bind": invalid source path '${m.Source ?? ''}'`);
      return { type: 'bind', source: m.Source, target, readOnly };
    case 'volume': {
      const labels = m.VolumeOptions?.Labels;
      const spec: MountSpec = {
        type: 'volume', source: m.Source || randomBytes(32).toString('hex'), target, readOnly, ...(m.VolumeOptions?.NoCopy ? { noCopy: true } : {}),
      };
      return labels && Object.keys(labels).length ? { ...spec, volumeLabels: { ...labels } } : spec;
    }
    case 'tmpfs':
      return { type: 'tmpfs', source: '', target, readOnly, options: tmpfsObjectOptions(m.TmpfsOptions) };
    default:
      throw invalid(`mount type "${m.Type ?? ''}" is not supported`);
  }
}

function tmpfs(target: string, opts: string): MountSpec {
  const options = opts.split(',').filter(Boolean);
  return { type: 'tmpfs', source: '', target: absolute(target), readOnly: options.includes('ro'), options: options.filter((o) => o !== 'ro' && o !== 'rw') };
}

function tmpfsObjectOptions(o: Mount['TmpfsOptions']): string[] {
  const opts: string[] = [];
  if (o?.SizeBytes) opts.push(`size=${o.SizeBytes}`);
  if (o?.Mode) opts.push(`mode=${o.Mode.toString(8)}`);
  return opts;
}

function absolute(target: string): string {
  if (!target.startsWith('/')) throw invalid(`invalid mount path: '${target}' mount path must be absolute`);
  return target;
}

/** Inspect's and ps's `Mounts`. */
export function mountsJson(specs: MountSpec[]): MountPoint[] {
  return specs.map((s) => ({
    Type: s.type,
    ...(s.type === 'volume' ? { Name: s.source, Driver: 'local' } : {}),
    Source: s.type === 'tmpfs' ? '' : s.source,
    Destination: s.target,
    Mode: s.readOnly ? 'ro' : '',
    RW: !s.readOnly,
    Propagation: s.type === 'bind' ? 'rprivate' : '',
  }));
}

/** HostConfig.Binds and HostConfig.Tmpfs as inspect shows them. */
export function bindsJson(specs: MountSpec[]): Pick<HostConfig, 'Binds' | 'Tmpfs'> {
  const binds = specs.filter((s) => s.type !== 'tmpfs').map((s) => `${s.source}:${s.target}${s.readOnly ? ':ro' : ''}`);
  const tmpfsMounts = specs.filter((s) => s.type === 'tmpfs');
  const out: Pick<HostConfig, 'Binds' | 'Tmpfs'> = { Binds: binds.length ? binds : null };
  if (tmpfsMounts.length) out.Tmpfs = Object.fromEntries(tmpfsMounts.map((s) => [s.target, (s.options ?? []).join(',')]));
  return out;
}

/**
 * `--change` values of `docker commit` and `docker import`: Dockerfile
 * instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR,
 * STOPSIGNAL, ONBUILD) applied on top of a base config.
 */
import { invalid } from '../../../lib/errors.js';
import type { ContainerConfig } from '../../images/types.js';

type Apply = (cfg: ContainerConfig, args: string) => void;

const INSTRUCTIONS: Record<string, Apply> = {
  CMD: (cfg, a) => { cfg.Cmd = commandForm(a); },
  ENTRYPOINT: (cfg, a) => { cfg.Entrypoint = commandForm(a); },
  ENV: (cfg, a) => { cfg.Env = setEnv(cfg.Env ?? [], keyValues(a, true)); },
  LABEL: (cfg, a) => { cfg.Labels = { ...cfg.Labels, ...Object.fromEntries(keyValues(a, false)) }; },
  EXPOSE: (cfg, a) => { cfg.ExposedPorts = { ...cfg.ExposedPorts, ...Object.fromEntries(words(a).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])) }; },
  VOLUME: (cfg, a) => { cfg.Volumes = { ...cfg.Volumes, ...Object.fromEntries(listForm(a).map((v) => [v, {}])) }; },
  USER: (cfg, a) => { cfg.User = a; },
  WORKDIR: (cfg, a) => { cfg.WorkingDir = a; },
  STOPSIGNAL: (cfg, a) => { cfg.StopSignal = a; },
  ONBUILD: (cfg, a) => { cfg.OnBuild = [...(cfg.OnBuild ?? []), a]; },
};

/** Apply `changes` to a copy of `base`. */
export function applyChanges(base: ContainerConfig, changes: string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  for (const change of changes) {
    const m = /^\s*(\S+)\s*(.*?)\s*$/s.exec(change);
    if (!m) continue;
    const name = m[1]!.toUpperCase();
    const apply = INSTRUCTIONS[name];
    if (!apply) throw invalid(`${name} is not a valid change command`);
    if (!m[2] && name !== 'CMD' && name !== 'ENTRYPOINT') throw invalid(`${name} requires at least one argument`);
    apply(cfg, m[2]!);
  }
  return cfg;
}

/** JSON form `["a", "b"]` as is; shell form wrapped in `/bin/sh -c`. */
function commandForm(args: string): string[] {
  const list = jsonList(args);
  if (list) return list;
  return args ? ['/bin/sh', '-c', args] : [];
}

function listForm(args: string): string[] {
  return jsonList(args) ?? words(args);
}

function jsonList(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch { /* not JSON: shell form */ }
  return null;
}

/** `k=v k2="v 2"`; with `legacy`, also `k some value` (ENV's old single-pair form). */
function keyValues(args: string, legacy: boolean): [string, string][] {
  const tokens = words(args);
  if (legacy && tokens.length > 0 && !tokens[0]!.includes('=')) {
    return [[tokens[0]!, args.slice(args.indexOf(tokens[0]!) + tokens[0]!.length).trim()]];
  }
  return tokens.map((t) => {
    const eq = t.indexOf('=');
    if (eq <= 0) throw invalid(`syntax error - can't find = in "${t}". Must be of the form: name=value`);
    return [t.slice(0, eq), t.slice(eq + 1)];
  });
}

/** Split on whitespace, honouring double and single quotes and backslash escapes. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && quote !== "'" && i + 1 < s.length) { cur += s[++i]; inWord = true; continue; }
    if (quote) { if (ch === quote) quote = null; else cur += ch; continue; }
    if (ch === '"' || ch === "'") { quote = ch; inWord = true; continue; }
    if (/\s/.test(ch)) { if (inWord) out.push(cur); cur = ''; inWord = false; continue; }
    cur += ch;
    inWord = true;
  }
  if (quote) throw invalid(`unterminated quote in "${s}"`);
  if (inWord) out.push(cur);
  return out;
}

function setEnv(env: string[], pairs: [string, string][]): string[] {
  const out = [...env];
  for (const [k, v] of pairs) {
    const i = out.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) out[i] = `${k}=${v}`; else out.push(`${k}=${v}`);
  }
  return out;
}

const RUNNABLE_KEYS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell'] as const;

/**
 * What `commit` changes in the image config: the request's config (body)
 * over the container's, then the `changes` instructions; only the keys that
 * end up different, with merged values (ENV adds to the container's Env).
 * Undefined when nothing changes.
 */
export function commitConfigChanges(container: ContainerConfig, body: Partial<ContainerConfig> | undefined, changes: string[]): Partial<ContainerConfig> | undefined {
  const base: ContainerConfig = {};
  for (const k of RUNNABLE_KEYS) {
    const v = body?.[k] ?? container[k];
    if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  }
  const merged = applyChanges(base, changes);
  const out: Partial<ContainerConfig> = {};
  for (const k of RUNNABLE_KEYS) {
    if (JSON.stringify(merged[k]) !== JSON.stringify(container[k])) (out as Record<string, unknown>)[k] = merged[k];
  }
  return Object.keys(out).length ? out : undefined;
}

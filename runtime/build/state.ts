/**
 * What a build carries from step to step: the build as a whole (`Build`) and
 * the stage being built (`StageState`), plus the small rules every step uses
 * (variable lookup, build args in effect, the shell, history lines).
 */
import type { Engine, Logger } from '../types.js';
import type { ContainerConfig, Image, Layer } from '../images/types.js';
import type { SandboxState } from '../network/types.js';
import type { BuildCache } from './cache.js';
import type { BuildContext } from './context.js';
import type { Dockerfile, Instruction, Lookup, Stage } from './dockerfile/index.js';
import type { BuildLimits, BuildOptions, OnBuildEvent } from './types.js';
import type { CacheDirs } from './cache.js';

/** What the engine lends the builder. */
export interface BuildDeps {
  engine: Engine;
  /** Failures a build survives (a build container left behind), runtime/types.ts. */
  log: Logger;
  /** A container's writable layer as a new layer in the image store. */
  layerOf(containerId: string): Promise<Layer>;
  /** `<engine root>/build`: cache index and temporary contexts. */
  dir: string;
  limits: BuildLimits;
  /** Run `fn` in a fresh network sandbox on network `ref` (its namespace and endpoint), removed afterwards. */
  withSandbox<T>(ref: string, fn: (state: SandboxState) => Promise<T>): Promise<T>;
  /** How cache scope dirs are made and removed (quota dirs; part 5, storage quota); absent = plain dirs. */
  cacheDirs?: CacheDirs;
  /** Bytes each build container's writable layer (a RUN step's output) may hold (part 5); absent = unbounded. */
  layerSize?: number;
}

export interface Build {
  deps: BuildDeps;
  opts: BuildOptions;
  emit: OnBuildEvent;
  ctx: BuildContext;
  dockerfile: Dockerfile;
  cache: BuildCache;
  /** Global ARGs (before the first FROM) with their values. */
  metaArgs: Map<string, string | undefined>;
  /** Result of each finished stage, by index. */
  stageImages: Image[];
  /** Build args some ARG consumed. */
  usedArgs: Set<string>;
  step: number;
  total: number;
  /** With `--cache-from`: the only images a cached step may be (those images and their parents). */
  cacheSources?: Set<string>;
}

export interface StageState {
  stage: Stage;
  /** The image the next step starts from. */
  image: Image;
  /** A CMD was set in this stage (an ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** ARGs declared in this stage, with their values in effect (undefined = no value). */
  args: Map<string, string | undefined>;
}

/** Proxy variables every build may set with --build-arg without declaring them (and kept out of history). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** The runnable config of the current image. */
export function configOf(s: StageState): ContainerConfig {
  return s.image.config.config ?? {};
}

/** Environment of the current image as a map (later entries win). */
export function envMap(config: ContainerConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config.Env ?? []) {
    const eq = e.indexOf('=');
    m.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
  }
  return m;
}

/** Variables for substitution: the stage's ARGs, overridden by ENV. */
export function lookupOf(s: StageState): Lookup {
  const env = envMap(configOf(s));
  return (name) => (env.has(name) ? env.get(name) : s.args.get(name));
}

/** `K=V` of the build args in effect for RUN (declared ARGs with a value, and proxy args), sorted. */
export function argsInEffect(b: Build, s: StageState): string[] {
  const env = envMap(configOf(s));
  const out = new Map<string, string>();
  for (const [k, v] of s.args) if (v !== undefined && !env.has(k)) out.set(k, v);
  for (const k of PROXY_ARGS) if (b.opts.buildArgs?.[k] !== undefined) out.set(k, b.opts.buildArgs[k]);
  return [...out].sort(([a], [c]) => a.localeCompare(c)).map(([k, v]) => `${k}=${v}`);
}

/** The shell of shell-form commands. */
export function shellOf(s: StageState): string[] {
  return configOf(s).Shell?.length ? configOf(s).Shell! : DEFAULT_SHELL;
}

/** History line of a metadata step, as the classic builder writes it: `/bin/sh -c #(nop)  ENV A=1`. */
export function nop(s: StageState, text: string, spaces = 2): string {
  return `${shellOf(s).join(' ')} #(nop)${' '.repeat(spaces)}${text}`;
}

/** The build args consumed: a value from --build-arg when declared, else the default. */
export function declareArg(b: Build, name: string, dflt: string | undefined): string | undefined {
  const given = b.opts.buildArgs ?? {};
  if (Object.hasOwn(given, name)) {
    b.usedArgs.add(name);
    return given[name];
  }
  return dflt;
}

/** Where a step's instruction came from, for messages. */
export function describe(ins: Instruction): string {
  return ins.original;
}

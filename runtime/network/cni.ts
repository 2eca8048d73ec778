/**
 * The CNI runtime side, per the CNI 1.0 spec: one plugin config on stdin,
 * the command and container in CNI_* variables, a JSON result on stdout.
 * ADD walks a list in order, handing each plugin the previous result as
 * `prevResult`; DEL walks it backwards with the result ADD produced, and a
 * plugin that fails DEL does not stop the others (every one must get its
 * chance to clean up).
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { unavailable } from '../../lib/errors.js';

export const CNI_VERSION = '1.0.0';
/** Plugins call iptables, ip and sysctl: the system directories, never a caller's PATH. */
const PLUGIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One plugin's config, as it appears in a conflist's `plugins` array. */
export interface PluginConf {
  type: string;
  [key: string]: unknown;
}

/** A network list: the same name and version for every plugin. */
export interface ConfList {
  name: string;
  plugins: PluginConf[];
}

/** Where and in what the plugins run. */
export interface CniTarget {
  containerId: string;
  netns: string;
  ifname: string;
  /** runtimeConfig values for plugins whose `capabilities` ask for them (e.g. portMappings). */
  runtimeConfig?: Record<string, unknown>;
}

/** The parts of a CNI result the engine reads. */
export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ address: string; gateway?: string; interface?: number }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

/** Run ADD for every plugin of `list`; the final result. A failure runs DEL for the whole list and throws. */
export async function addList(cniPath: string[], list: ConfList, target: CniTarget): Promise<CniResult> {
  let prev: CniResult | undefined;
  try {
    for (const plugin of list.plugins) prev = await invoke(cniPath, 'ADD', list, plugin, target, prev);
  } catch (err) {
    await delList(cniPath, list, target, prev);
    throw err;
  }
  return prev ?? { cniVersion: CNI_VERSION };
}

/** Run DEL for every plugin of `list`, last first; errors are collected, not fatal to the others. */
export async function delList(cniPath: string[], list: ConfList, target: CniTarget, prev?: CniResult): Promise<void> {
  const errors: Error[] = [];
  for (const plugin of [...list.plugins].reverse()) {
    await invoke(cniPath, 'DEL', list, plugin, target, prev).catch((err: Error) => errors.push(err));
  }
  if (errors.length > 0) throw unavailable(`CNI DEL of ${list.name} failed: ${errors.map((e) => e.message).join('; ')}`, errors[0]);
}

async function invoke(cniPath: string[], command: 'ADD' | 'DEL', list: ConfList, plugin: PluginConf, target: CniTarget, prev?: CniResult): Promise<CniResult> {
  const conf: Record<string, unknown> = { cniVersion: CNI_VERSION, name: list.name, ...plugin };
  if (prev) conf.prevResult = prev;
  const runtimeConfig = pickRuntimeConfig(plugin, target.runtimeConfig);
  if (runtimeConfig) conf.runtimeConfig = runtimeConfig;
  const env = {
    PATH: PLUGIN_PATH,
    CNI_COMMAND: command, CNI_CONTAINERID: target.containerId, CNI_NETNS: target.netns,
    CNI_IFNAME: target.ifname, CNI_PATH: cniPath.join(':'),
  };
  const res = await run(await findPlugin(cniPath, plugin.type), [], { input: JSON.stringify(conf), env, allowFailure: true });
  if (res.code !== 0) throw unavailable(`CNI ${plugin.type} ${command} for ${list.name} failed: ${pluginError(res.stdout, res.stderr)}`);
  if (command === 'DEL') return prev ?? { cniVersion: CNI_VERSION };
  return JSON.parse(res.stdout) as CniResult;
}

/** Only the runtimeConfig keys a plugin declares in `capabilities`. */
function pickRuntimeConfig(plugin: PluginConf, values?: Record<string, unknown>): Record<string, unknown> | null {
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const picked = Object.fromEntries(Object.entries(values ?? {}).filter(([k]) => caps[k]));
  return Object.keys(picked).length > 0 ? picked : null;
}

/** A plugin's error per the spec is JSON on stdout ({code, msg, details}). */
function pluginError(stdout: string, stderr: string): string {
  try {
    const e = JSON.parse(stdout) as { msg?: string; details?: string };
    return [e.msg, e.details].filter(Boolean).join(': ') || stderr.trim();
  } catch {
    // not the spec's JSON error: the plugin's own words
    return stderr.trim() || stdout.trim() || 'no output';
  }
}

const found = new Map<string, string>();

/** The plugin binary `type` in the first directory of `cniPath` that has it. */
async function findPlugin(cniPath: string[], type: string): Promise<string> {
  const key = `${cniPath.join(':')}/${type}`;
  const cached = found.get(key);
  if (cached) return cached;
  for (const dir of cniPath) {
    const file = path.join(dir, type);
    if (await fsp.access(file, fsc.X_OK).then(() => true, () => false)) {
      found.set(key, file);
      return file;
    }
  }
  throw unavailable(`CNI plugin ${type} not found in ${cniPath.join(', ')} (install containernetworking-plugins)`);
}

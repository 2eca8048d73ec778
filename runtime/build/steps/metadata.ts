/**
 * Steps that change only the image config (and add a history entry with
 * `empty_layer`): ENV, LABEL, ARG, EXPOSE, CMD, ENTRYPOINT, USER, VOLUME,
 * STOPSIGNAL, HEALTHCHECK, ONBUILD, SHELL, MAINTAINER.
 */
import { invalid } from '../../../lib/errors.js';
import type { ContainerConfig } from '../../images/types.js';
import {
  commandForm, keyValueWords, parseDuration, parseJsonArray, processWord, processWords, splitWords, type Instruction,
} from '../dockerfile/index.js';
import { configOf, declareArg, lookupOf, nop, shellOf, type Build, type StageState } from '../state.js';
import { goList, type Step } from './step.js';

/** Substituted key/value pairs of ENV and LABEL. */
function pairs(ins: Instruction, s: StageState, b: Build): Array<[string, string]> {
  const lookup = lookupOf(s);
  const esc = b.dockerfile.escape;
  return keyValueWords(ins.args, esc).pairs.map(([k, v]) => [processWord(k, lookup, esc), processWord(v, lookup, esc)]);
}

const env: Step = async (ins, s, b) => {
  const list = [...(configOf(s).Env ?? [])];
  const set = pairs(ins, s, b);
  for (const [k, v] of set) {
    const i = list.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) list[i] = `${k}=${v}`;
    else list.push(`${k}=${v}`);
  }
  return { createdBy: nop(s, `ENV ${set.map(([k, v]) => `${k}=${v}`).join(' ')}`), config: { ...configOf(s), Env: list } };
};

const label: Step = async (ins, s, b) => {
  const set = pairs(ins, s, b);
  const labels = { ...(configOf(s).Labels ?? {}), ...Object.fromEntries(set) };
  return { createdBy: nop(s, `LABEL ${set.map(([k, v]) => `${k}=${v}`).join(' ')}`), config: { ...configOf(s), Labels: labels } };
};

const arg: Step = async (ins, s, b) => {
  const lookup = lookupOf(s);
  for (const w of splitWords(ins.args, b.dockerfile.escape)) {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    const dflt = eq < 0 ? b.metaArgs.get(name) : processWord(w.slice(eq + 1), lookup, b.dockerfile.escape);
    s.args.set(name, declareArg(b, name, dflt));
  }
  return { createdBy: nop(s, `ARG ${ins.args}`), config: configOf(s) };
};

const PORT = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i;

const expose: Step = async (ins, s, b) => {
  const ports: Record<string, object> = { ...(configOf(s).ExposedPorts ?? {}) };
  const words = processWords(ins.args, lookupOf(s), b.dockerfile.escape);
  for (const w of words) {
    const m = PORT.exec(w);
    if (!m) throw invalid(`Invalid containerPort: ${w}`);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) ports[`${p}/${proto}`] = {};
  }
  return { createdBy: nop(s, `EXPOSE ${words.join(' ')}`), config: { ...configOf(s), ExposedPorts: ports } };
};

/** Exec form as is; shell form wrapped in the stage's shell. */
function command(ins: Instruction, s: StageState): string[] {
  const f = commandForm(ins.args);
  return f.form === 'exec' ? f.args : [...shellOf(s), f.text];
}

const cmd: Step = async (ins, s) => {
  const list = command(ins, s);
  s.cmdSet = true;
  return { createdBy: nop(s, `CMD ${goList(list)}`), config: { ...configOf(s), Cmd: list } };
};

const entrypoint: Step = async (ins, s) => {
  const f = commandForm(ins.args);
  const list = f.form === 'shell' && !f.text ? [] : command(ins, s);
  // An ENTRYPOINT drops the CMD inherited from the base image (not one set earlier in this stage).
  const config: ContainerConfig = { ...configOf(s), Entrypoint: list, ...(s.cmdSet ? {} : { Cmd: null }) };
  return { createdBy: nop(s, `ENTRYPOINT ${goList(list)}`), config };
};

const user: Step = async (ins, s, b) => {
  const u = processWord(ins.args, lookupOf(s), b.dockerfile.escape);
  return { createdBy: nop(s, `USER ${u}`), config: { ...configOf(s), User: u } };
};

const volume: Step = async (ins, s, b) => {
  const lookup = lookupOf(s);
  const esc = b.dockerfile.escape;
  const list = parseJsonArray(ins.args)?.map((v) => processWord(v, lookup, esc)) ?? processWords(ins.args, lookup, esc);
  if (list.some((v) => !v.trim())) throw invalid('VOLUME specified can not be an empty string');
  const volumes = { ...(configOf(s).Volumes ?? {}), ...Object.fromEntries(list.map((v) => [v, {}])) };
  return { createdBy: nop(s, `VOLUME ${goList(list).replace(/"/g, '')}`), config: { ...configOf(s), Volumes: volumes } };
};

const stopsignal: Step = async (ins, s, b) => {
  const sig = processWord(ins.args, lookupOf(s), b.dockerfile.escape);
  if (!/^(SIG)?[A-Z0-9+-]+$/i.test(sig)) throw invalid(`Invalid signal: ${sig}`);
  return { createdBy: nop(s, `STOPSIGNAL ${sig}`), config: { ...configOf(s), StopSignal: sig } };
};

const healthcheck: Step = async (ins, s) => {
  const [type] = ins.args.split(/\s+/);
  const rest = ins.args.slice(type.length).trim();
  let check: NonNullable<ContainerConfig['Healthcheck']> = { Test: ['NONE'] };
  if (type.toUpperCase() === 'CMD') {
    const f = commandForm(rest);
    const dur = (name: string) => (typeof ins.flags[name] === 'string' ? parseDuration(ins.flags[name]) ?? undefined : undefined);
    check = {
      Test: f.form === 'exec' ? ['CMD', ...f.args] : ['CMD-SHELL', f.text],
      Interval: dur('interval'), Timeout: dur('timeout'), StartPeriod: dur('start-period'), StartInterval: dur('start-interval'),
      Retries: typeof ins.flags.retries === 'string' ? Number(ins.flags.retries) : undefined,
    };
    check = Object.fromEntries(Object.entries(check).filter(([, v]) => v !== undefined));
  }
  return { createdBy: nop(s, `HEALTHCHECK ${goList(check.Test ?? [])}`), config: { ...configOf(s), Healthcheck: check } };
};

const onbuild: Step = async (ins, s) => {
  const trigger = ins.args.replace(/^\S+/, (w) => w.toUpperCase());
  return { createdBy: nop(s, `ONBUILD ${trigger}`), config: { ...configOf(s), OnBuild: [...(configOf(s).OnBuild ?? []), trigger] } };
};

const shell: Step = async (ins, s) => {
  const list = parseJsonArray(ins.args)!;
  return { createdBy: nop(s, `SHELL ${goList(list)}`), config: { ...configOf(s), Shell: list } };
};

const maintainer: Step = async (ins, s, b) => {
  const who = processWord(ins.args, lookupOf(s), b.dockerfile.escape);
  return { createdBy: nop(s, `MAINTAINER ${who}`), config: configOf(s), author: who };
};

/** Metadata steps by instruction name. */
export const metadataSteps: Record<string, Step> = {
  ENV: env, LABEL: label, ARG: arg, EXPOSE: expose, CMD: cmd, ENTRYPOINT: entrypoint, USER: user, VOLUME: volume,
  STOPSIGNAL: stopsignal, HEALTHCHECK: healthcheck, ONBUILD: onbuild, SHELL: shell, MAINTAINER: maintainer,
};

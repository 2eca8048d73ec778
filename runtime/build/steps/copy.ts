/** COPY and ADD: sources resolved and checksummed, then written into a build container whose changes become the layer. */
import path from 'node:path';
import { invalid } from '../../../lib/errors.js';
import type { Image } from '../../images/types.js';
import { copyInto, isLocalArchive } from '../copy-tar.js';
import { parseJsonArray, processWord, processWords, type Instruction } from '../dockerfile/index.js';
import { gatherSources } from '../gather.js';
import { commitLayer, withBuildContainer } from '../containers.js';
import { readOwner } from '../owner.js';
import { checksumSources, type Source } from '../sources.js';
import { configOf, lookupOf, nop, type Build, type StageState } from '../state.js';
import type { Step } from './step.js';

/** Substituted words: sources then destination. */
function words(ins: Instruction, s: StageState, b: Build): string[] {
  const lookup = lookupOf(s);
  const esc = b.dockerfile.escape;
  return parseJsonArray(ins.args)?.map((w) => processWord(w, lookup, esc)) ?? processWords(ins.args, lookup, esc);
}

function flag(ins: Instruction, s: StageState, b: Build, name: string): string | null {
  const v = ins.flags[name];
  return typeof v === 'string' && v ? processWord(v, lookupOf(s), b.dockerfile.escape) : null;
}

function parseChmod(v: string | null): number | null {
  if (v === null) return null;
  if (!/^[0-7]{3,4}$/.test(v)) throw invalid(`invalid chmod parameter: ${v}: use an octal mode such as 0755`);
  return parseInt(v, 8);
}

/** The history line: `COPY file:<sum> in /dest`, `dir:`, or `multi:` for several sources. */
function historyOf(s: StageState, ins: Instruction, sources: Source[], sum: string, dest: string): string {
  const kind = sources.length > 1 ? 'multi' : sources[0]?.isDir ? 'dir' : 'file';
  return nop(s, `${ins.name} ${kind}:${sum} in ${dest} `, 1);
}

export const copy: Step = async (ins, s, b) => {
  const all = words(ins, s, b);
  const rawDest = all[all.length - 1];
  const dest = path.posix.resolve('/', configOf(s).WorkingDir || '/', rawDest) + (rawDest.endsWith('/') && rawDest !== '/' ? '/' : '');
  const from = ins.name === 'COPY' ? flag(ins, s, b, 'from') : null;
  const sources = await gatherSources(b, ins, all.slice(0, -1), from, s.stage.index);
  const archives = new Set<Source>();
  if (ins.name === 'ADD') for (const src of sources) if (!src.isDir && src.entries[0].stat.isFile() && src.host.startsWith(b.ctx.dir) && await isLocalArchive(src.host)) archives.add(src);
  const sum = await checksumSources(sources);
  const chown = flag(ins, s, b, 'chown');
  const chmod = parseChmod(flag(ins, s, b, 'chmod'));
  const layer = (parent: Image) => withBuildContainer(b, parent, { cmd: ['#(nop)'] }, async (id) => {
    const owner = chown ? await readOwner(b, id, chown) : null;
    await copyInto(b, id, sources, { dest, owner, chmod, archives, verb: ins.name });
    return commitLayer(b, id);
  });
  return {
    createdBy: historyOf(s, ins, sources, sum, dest),
    cacheExtra: [`chown=${chown ?? ''}`, `chmod=${chmod ?? ''}`, `archives=${archives.size}`],
    config: configOf(s),
    layer,
  };
};

/** RUN: the command in a build container; its filesystem changes become the layer. */
import type { Image } from '../../images/types.js';
import { commandForm, type Instruction } from '../dockerfile/index.js';
import { commitLayer, runToExit, withBuildContainer } from '../containers.js';
import { argsInEffect, configOf, PROXY_ARGS, shellOf, type StageState } from '../state.js';
import type { Step } from './step.js';
import { StepCommandFailed } from '../types.js';

/** Shell-form text with its heredocs appended, so the shell itself reads them (`RUN cat <<EOF`). */
function scriptOf(ins: Instruction, text: string): string {
  if (ins.heredocs.length === 0) return text;
  const bodies = ins.heredocs.map((h) => `${h.content}${h.name}\n`).join('');
  const only = ins.heredocs.length === 1 && /^<<-?(["']?)\w+\1$/.test(text.trim());
  // `RUN <<EOF` alone runs the heredoc as the script, as BuildKit does.
  return only ? ins.heredocs[0].content : `${text}\n${bodies}`;
}

/** The process of a RUN: exec form as is, shell form under the stage's shell. */
export function runCommand(ins: Instruction, s: StageState): string[] {
  const f = commandForm(ins.args);
  return f.form === 'exec' ? f.args : [...shellOf(s), scriptOf(ins, f.text)];
}

export const run: Step = async (ins, s, b) => {
  const cmd = runCommand(ins, s);
  const args = argsInEffect(b, s);
  const shown = args.filter((a) => !PROXY_ARGS.includes(a.split('=')[0]));
  const createdBy = `${shown.length ? `|${shown.length} ${shown.join(' ')} ` : ''}${cmd.join(' ')}`;
  const config = configOf(s);
  const layer = (parent: Image) =>
    withBuildContainer(b, parent, { cmd, env: args, user: config.User, workingDir: config.WorkingDir, announce: true }, async (id) => {
      const code = await runToExit(b, id);
      if (code !== 0) throw new StepCommandFailed(cmd.join(' '), code);
      return commitLayer(b, id);
    });
  return { createdBy, config, layer };
};

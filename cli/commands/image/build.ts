/** `image build`: a Dockerfile build through POST /build, with the context packed here (honoring .dockerignore). */
import path from 'node:path';
import type { Command } from 'commander';
import { invalid } from '../../../lib/errors.js';
import type { App } from '../../context.js';
import { packContext } from '../../build-context.js';
import { showProgress, type ProgressMessage } from '../../progress.js';

interface Opts { tag: string[]; file?: string; buildArg: string[]; label: string[]; target?: string; cache: boolean; quiet?: boolean; rm: boolean; forceRm?: boolean }

const collect = (v: string, all: string[]) => [...all, v];

/** `K=V` flags → an object; `K` alone takes the value from this process's environment, as docker does. */
function pairs(list: string[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(list.flatMap((kv) => {
    const eq = kv.indexOf('=');
    if (eq === 0) throw invalid(`invalid argument "${kv}": want KEY=VALUE`);
    if (eq > 0) return [[kv.slice(0, eq), kv.slice(eq + 1)]];
    return env[kv] === undefined ? [] : [[kv, env[kv]!]];
  }));
}

export function register(parent: Command, app: App): void {
  parent.command('build').description('Build an image from a Dockerfile')
    .argument('<path>', 'context directory, or - for a tar (or a Dockerfile) on stdin')
    .option('-t, --tag <name:tag>', 'tag the image (repeatable)', collect, [])
    .option('-f, --file <path>', 'Dockerfile (default PATH/Dockerfile; - reads it from stdin)')
    .option('--build-arg <key=value>', 'set a build-time variable (repeatable)', collect, [])
    .option('--label <key=value>', 'set a label on the image (repeatable)', collect, [])
    .option('--target <stage>', 'build up to this stage')
    .option('--no-cache', 'do not use the cache')
    .option('--no-rm', 'keep intermediate containers after a successful build')
    .option('--force-rm', 'always remove intermediate containers')
    .option('-q, --quiet', 'print only the image ID')
    .action(app.action(async (ctx, dir: string, opts: Opts) => {
      const stdin = async () => { const c: Buffer[] = []; for await (const x of ctx.io.stdin) c.push(x as Buffer); return Buffer.concat(c).toString('utf8'); };
      const packed = dir === '-'
        ? { tar: ctx.io.stdin, dockerfile: opts.file }
        : await packContext(path.resolve(ctx.config.cwd, dir), opts.file === '-' ? { text: await stdin() } : { path: opts.file && path.resolve(ctx.config.cwd, opts.file) });
      const query = {
        t: opts.tag, dockerfile: packed.dockerfile, target: opts.target, nocache: !opts.cache, rm: opts.rm, forcerm: opts.forceRm, q: opts.quiet,
        buildargs: JSON.stringify(pairs(opts.buildArg, ctx.config.env)), labels: JSON.stringify(pairs(opts.label, {})),
      };
      const stream = ctx.engine.lines<ProgressMessage>('POST', '/build', { query, input: packed.tar });
      const messages = opts.quiet && !ctx.json ? await drain(stream) : await showProgress(ctx, stream);
      const id = messages.map((m) => (m.aux as { ID?: string } | undefined)?.ID).find(Boolean);
      if (opts.quiet || !ctx.json) ctx.io.stdout.write(`${id ?? ''}\n`);
    }));
}

async function drain(stream: AsyncIterable<ProgressMessage>): Promise<ProgressMessage[]> {
  const all: ProgressMessage[] = [];
  for await (const m of stream) all.push(m);
  return all;
}

/**
 * `tspaas build <dir> -t <tag> [--buildpack ref]… [--env K=V]…`: source →
 * image with buildpacks (like `pack build`). The directory is sent as a tar
 * to the daemon's `POST /tspaas/buildpacks/build`; the build output streams
 * back line by line. Buildpack paths are read by the daemon, so a relative
 * path is made absolute here (it works when the daemon runs on this host).
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { App } from '../context.js';
import { packPath } from '../archive.js';
import { collect } from '../filters.js';

interface BuildLine { stream?: string; aux?: { imageId: string; slugSize: number; processTypes: Record<string, string> } }

export function register(program: Command, app: App): void {
  program.command('build').description('Build an image from source with buildpacks (no Dockerfile needed)')
    .argument('<dir>', 'the app source directory')
    .requiredOption('-t, --tag <name[:tag]>', 'tag of the image to make')
    .option('-b, --buildpack <ref>', 'bundled name, directory or git URL[#ref]; repeat for several, run in order', collect)
    .option('-e, --env <KEY=value>', 'config var given to the build (ENV_DIR)', collect)
    .option('--network <name>', 'network of the build container ("none" builds offline)')
    .action(app.action(async (ctx, dir: string, opts: { tag: string; buildpack?: string[]; env?: string[]; network?: string }) => {
      const buildpack = (opts.buildpack ?? []).map((b) => (b.startsWith('.') || b.startsWith('/') ? path.resolve(b) : b));
      const query = { t: opts.tag, buildpack, env: opts.env, network: opts.network };
      let result: BuildLine['aux'];
      for await (const m of ctx.engine.lines<BuildLine>('POST', '/tspaas/buildpacks/build', { query, input: packPath(path.resolve(dir), '') })) {
        if (m.stream && !ctx.json) ctx.io.stdout.write(m.stream);
        if (m.aux) result = m.aux;
      }
      ctx.print(result, `Successfully built ${opts.tag} (${result?.imageId.slice(7, 19) ?? '?'})`);
    }));
}

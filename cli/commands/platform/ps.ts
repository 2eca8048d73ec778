/**
 * `tspaas scale [type=N[:size]…]`, `ps [type]`, `ps:restart [type|type.N]`.
 * scale and ps:restart make no release: they wait (unless --no-wait) until
 * the processes are as asked, watching `GET …/processes`.
 */
import type { Command } from 'commander';
import type { FormationEntry, ProcessInfo, Restart, Scale } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { waitForProcesses } from './progress.js';
import { platformAction, target, withApp } from './shared.js';
import { formationTable, formationWords, psTable } from './tables.js';

/** `web=4`, `web=2:512M`, `worker=:1G`, `web=2:standard-1x` (a plan) → one update of the Scale body. */
export function parseScale(word: string): Scale['updates'][number] {
  const m = /^([a-z][a-z0-9_-]*)=(\d*)(?::(\d+(?:\.\d+)?[kmg]b?|[a-z][a-z0-9-]*))?$/i.exec(word);
  if (!m || (m[2] === '' && !m[3])) {
    throw new PlatformError('Invalid', `"${word}" is not TYPE=QUANTITY[:SIZE]`, 'write e.g. web=4, worker=1, web=2:512M or web=2:standard-1x (see `tspaas plans`)');
  }
  const size = m[3] && (/^\d/.test(m[3]) ? m[3].toUpperCase() : m[3].toLowerCase());
  return { type: m[1]!, ...(m[2] !== '' ? { quantity: Number(m[2]) } : {}), ...(size ? { size } : {}) };
}

/** True when process `p` is what a restart `target` names (all, a type, or `type.N`). */
export function targets(p: ProcessInfo, target?: string): boolean {
  return !target || (target.includes('.') ? p.name === target : p.type === target);
}

/** Add scale, ps and ps:restart. */
export function register(program: Command, app: App): void {
  withApp(program.command('scale').description('Show the formation, or change it: web=4 worker=1 web=2:standard-1x web=2:512M').argument('[TYPE=N[:SIZE]...]'))
    .option('--no-wait', 'return once the formation is changed')
    .action(platformAction(app, async (ctx, words: string[], opts: { app?: string; wait: boolean }) => {
      const { api, base } = await target(ctx, opts);
      if (!words.length) {
        const formation = await api.json<FormationEntry[]>('GET', `${base}/formation`);
        return ctx.print(formation, () => formationTable(formation));
      }
      const body: Scale = { updates: words.map(parseScale) };
      const formation = await api.json<FormationEntry[]>('PATCH', `${base}/formation`, body);
      ctx.say(`Scaling to ${formationWords(formation.filter((f) => body.updates.some((u) => u.type === f.type)))}`);
      if (opts.wait) {
        const want = body.updates.filter((u) => u.quantity !== undefined);
        await waitForProcesses(ctx, api, base, 'Scaling…', (ps) => want.every((u) => {
          const mine = ps.filter((p) => p.type === u.type);
          return mine.length === u.quantity && mine.every((p) => p.state === 'up');
        }));
      }
      ctx.print(formation, () => formationTable(formation));
    }));
  withApp(program.command('ps').description('List the app\'s processes').argument('[type]', 'only this process type'))
    .action(platformAction(app, async (ctx, type: string | undefined, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const ps = (await api.json<ProcessInfo[]>('GET', `${base}/processes`)).filter((p) => !type || p.type === type);
      ctx.print(ps, () => psTable(ps));
    }));
  withApp(program.command('ps:restart').description('Restart processes: all, one type (web) or one process (web.1)').argument('[target]'))
    .option('--no-wait', 'return once the restart is queued')
    .action(platformAction(app, async (ctx, which: string | undefined, opts: { app?: string; wait: boolean }) => {
      const { api, base } = await target(ctx, opts);
      const before = (await api.json<ProcessInfo[]>('GET', `${base}/processes`)).filter((p) => targets(p, which));
      const body: Restart = which ? { target: which } : {};
      await api.json('POST', `${base}/processes/restart`, body);
      ctx.say(`Restarting ${which ?? 'all processes'}…`);
      const old = new Set(before.map((p) => p.containerId));
      const ps = opts.wait && before.length ? await waitForProcesses(ctx, api, base, 'Restarting…', (list) => {
        const now = list.filter((p) => targets(p, which));
        return now.length === before.length && now.every((p) => !old.has(p.containerId) && p.state === 'up');
      }) : before;
      ctx.print(ps.filter((p) => targets(p, which)), () => psTable(ps.filter((p) => targets(p, which))));
    }));
}

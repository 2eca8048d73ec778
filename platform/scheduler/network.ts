/**
 * One engine network per app, `tspaas-<app>`: every container of the app
 * joins it, and the engine keeps networks apart, so apps (and tenants) cannot
 * reach each other. Created on first use; safe when several callers race.
 */
import { isKind, unless } from '../../lib/errors.js';
import type { Engine } from '../../runtime/types.js';
import { LABELS, type App } from '../types.js';

/** The name of an app's network. */
export function networkName(app: Pick<App, 'name'>): string {
  return `tspaas-${app.name}`;
}

/**
 * Makes sure an app's network exists. Concurrent calls for the same app in
 * this process share one creation; a creation racing another process ends in
 * `Conflict`, after which the network is there.
 */
export class AppNetworks {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** The app's network name, once the network exists. */
  ensure(app: App): Promise<string> {
    const name = networkName(app);
    let p = this.inFlight.get(name);
    if (!p) {
      p = this.create(app, name).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, p);
    }
    return p;
  }

  /** Remove the app's network; a missing one is fine. */
  async remove(app: App): Promise<void> {
    await unless(['NotFound'], () => this.engine.removeNetwork(networkName(app)));
  }

  private async create(app: App, name: string): Promise<string> {
    if (await this.exists(name)) return name;
    try {
      await this.engine.createNetwork({ name, labels: { [LABELS.app]: app.name, [LABELS.appId]: app.id } });
    } catch (err) {
      if (!isKind(err, 'Conflict') || !(await this.exists(name))) throw err;
    }
    return name;
  }

  private async exists(name: string): Promise<boolean> {
    return (await unless(['NotFound'], () => this.engine.inspectNetwork(name))) !== undefined;
  }
}

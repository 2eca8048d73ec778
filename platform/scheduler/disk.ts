/**
 * Disk of app containers (issue 13, part 5): every app and one-off
 * container's writable layer is bounded, at its plan's `disk` (`--plan
 * …,disk=2G`; plans.ts `planDisk`), the default size below when the plan
 * names none. When the engine cannot bound disk (no quota filesystem),
 * tspaasd has said so loudly at start and containers run unbounded rather
 * than not at all.
 */
import type { Engine } from '../../runtime/types.js';

/** Writable-layer size of an app container when its plan names no disk: 2 GiB (Heroku's dynos get a few GB of ephemeral disk). */
export const APP_WRITABLE_LAYER_BYTES = 2 * 1024 ** 3;

const supported = new WeakMap<Engine, Promise<boolean>>();

/** The engine's `storageOpt` for an app container of `bytes` (default above); undefined when the engine cannot bound disk. */
export async function appStorageOpt(engine: Engine, bytes = APP_WRITABLE_LAYER_BYTES): Promise<Record<string, string> | undefined> {
  let known = supported.get(engine);
  if (!known) {
    known = engine.info().then((i) => i.storageQuota.backend !== 'none');
    supported.set(engine, known);
  }
  return (await known) ? { size: String(bytes) } : undefined;
}

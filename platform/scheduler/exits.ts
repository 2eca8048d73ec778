/**
 * The local scheduler's exit feed (Scheduler.watchExits): the engine's `die`
 * events of the platform's containers, read back into processes through
 * their labels. The engine emits `die` once per exit of a container, with
 * its labels and exit code as attributes.
 */
import type { Engine, EngineEvent } from '../../runtime/types.js';
import { LABELS, type ProcessExit } from '../types.js';
import { sourceOf } from './logs.js';

/** Feed `listener` every exit of a container of an app; returns the unsubscribe function. */
export function watchExits(engine: Engine, listener: (exit: ProcessExit) => void): () => void {
  const onEvent = (e: EngineEvent) => {
    const exit = exitOf(e);
    if (exit) listener(exit);
  };
  engine.events.on('event', onEvent);
  return () => { engine.events.off('event', onEvent); };
}

/** The exit an engine event tells of; null for other events and for containers that are not an app's. */
function exitOf(e: EngineEvent): ProcessExit | null {
  const labels = e.attributes;
  if (e.type !== 'container' || e.action !== 'die' || !labels[LABELS.appId]) return null;
  const code = Number.parseInt(labels.exitCode ?? '', 10);
  return {
    appId: labels[LABELS.appId], containerId: e.id, name: sourceOf(labels),
    oneOff: labels[LABELS.oneOff] === '1', exitCode: Number.isNaN(code) ? null : code,
  };
}

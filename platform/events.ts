/**
 * The in-process event bus (EventBus of types.ts): whoever builds or deploys
 * publishes; the git receiver, `tspaas logs` and deploy waiters subscribe
 * per app. Delivery is synchronous and in order; a listener that throws is
 * logged, and the others still get the event.
 */
import type { Logger } from 'pino';
import type { EventBus, PlatformEvent } from './types.js';

/** A bus with per-app subscribers. */
export function createEventBus(log?: Logger): EventBus {
  const listeners = new Map<string, Set<(event: PlatformEvent) => void>>();
  return {
    publish(event) {
      for (const listener of [...(listeners.get(event.appId) ?? [])]) {
        try {
          listener(event);
        } catch (err) {
          log?.error({ err, kind: event.kind, appId: event.appId }, 'event listener failed');
        }
      }
    },
    subscribe(appId, listener) {
      let set = listeners.get(appId);
      if (!set) listeners.set(appId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(appId) === set) listeners.delete(appId);
      };
    },
  };
}

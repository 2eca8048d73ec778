/**
 * The engine's events as `/events` serves them: a ring buffer of the recent
 * past (for `since`) plus live subscribers (until `until`, or forever).
 */
import type { EventEmitter } from 'node:events';
import type { EngineEvent } from '../types.js';

const DEFAULT_CAPACITY = 1024;

export interface EventQuery {
  /** Unix seconds; replay buffered events at or after it. Undefined = live events only. */
  since?: number;
  /** Unix seconds; stop at this time. Undefined = never. */
  until?: number;
  match: (e: EngineEvent) => boolean;
}

/** Recent engine events plus live subscribers, for `GET /events`. */
export class EventLog {
  private readonly recent: EngineEvent[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly onEvent = (e: EngineEvent) => this.record(e);

  constructor(private readonly source: EventEmitter, private readonly capacity = DEFAULT_CAPACITY) {
    source.on('event', this.onEvent);
  }

  /**
   * Replay matching past events, then deliver live ones until `until`;
   * `onEnd` runs once the window is over. Returns the unsubscribe function.
   */
  subscribe(q: EventQuery, onEvent: (e: EngineEvent) => void, onEnd: () => void): () => void {
    const inWindow = (e: EngineEvent) => (q.until === undefined || e.time <= q.until) && q.match(e);
    if (q.since !== undefined) {
      for (const e of this.recent) if (e.time >= q.since! && inWindow(e)) onEvent(e);
    }
    const now = Date.now() / 1000;
    if (q.until !== undefined && q.until <= now) {
      onEnd();
      return () => {};
    }
    const listener = (e: EngineEvent) => { if (inWindow(e)) onEvent(e); };
    this.listeners.add(listener);
    const timer = q.until === undefined ? null : setTimeout(() => { stop(); onEnd(); }, (q.until - now) * 1000);
    const stop = () => {
      this.listeners.delete(listener);
      if (timer) clearTimeout(timer);
    };
    return stop;
  }

  /** Stop listening to the engine and drop all subscribers. */
  close(): void {
    this.source.off('event', this.onEvent);
    this.listeners.clear();
  }

  private record(e: EngineEvent): void {
    this.recent.push(e);
    if (this.recent.length > this.capacity) this.recent.shift();
    for (const l of this.listeners) l(e);
  }
}

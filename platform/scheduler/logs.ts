/**
 * `tspaas logs`: the log lines of an app's containers merged into one
 * stream of `LogEntry`s, each with its container's `type.N` and the time
 * conmon recorded. The backlog (`tail` lines per container, those of
 * containers already removed from the log archive included) comes first,
 * sorted by time; with `follow`, every container's new lines follow, and
 * containers that start later (a scale, a deploy, a one-off) join on their
 * engine `start` event.
 */
import type { Engine, EngineEvent } from '../../runtime/types.js';
import type { Container, LogLine } from '../../runtime/containers/types.js';
import { LABELS, type App, type LogEntry } from '../types.js';
import { LineQueue } from './line-queue.js';
import type { ArchivedEntry } from './log-archive.js';

export interface LogsOptions {
  follow: boolean;
  tail?: number;
  /** `web` or `web.1`. */
  type?: string;
  signal?: AbortSignal;
}

/** The merged log of the app's containers (see the file's comment); `archived` reads the lines of those already gone. */
export async function* appLogs(engine: Engine, app: App, opts: LogsOptions, archived: () => Promise<ArchivedEntry[]>): AsyncGenerator<LogEntry> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  opts.signal?.addEventListener('abort', abort);
  const queue = new LineQueue<LogEntry>();
  const followers = new Followers(engine, queue, stop.signal);
  // Listen before listing, so a container starting in between is not missed (Followers holds it until the backlog is out).
  const onEvent = (e: EngineEvent) => {
    if (e.type === 'container' && e.action === 'start' && matches(e.attributes, app, opts.type)) followers.follow(e.id, sourceOf(e.attributes));
  };
  if (opts.follow) engine.events.on('event', onEvent);
  try {
    const listedAt = new Date().toISOString();
    const containers = (await engine.listContainers({ all: true, label: [`${LABELS.appId}=${app.id}`] }))
      .filter((c) => matches(c.record.config.Labels ?? {}, app, opts.type));
    const { backlog, last } = await readBacklog(engine, containers, opts.tail);
    backlog.push(...gone(await archived(), containers, opts));
    backlog.sort((a, b) => compareTimes(a.time, b.time));
    for (const e of backlog) yield e;
    if (!opts.follow || stop.signal.aborted) return;
    // After the backlog: from its last line per container; with no backlog asked for, from the listing.
    for (const c of containers) if (!last.has(c.record.id) && opts.tail === 0) last.set(c.record.id, listedAt);
    followers.start(containers.map((c) => ({ id: c.record.id, source: sourceOf(c.record.config.Labels ?? {}) })), last);
    for (;;) {
      const e = await queue.next(stop.signal);
      if (!e) return;
      yield e;
    }
  } finally {
    engine.events.off('event', onEvent);
    opts.signal?.removeEventListener('abort', abort);
    stop.abort();
    queue.close();
  }
}

/**
 * Follows containers' logs into one queue; one follower per container at a
 * time. Containers asked for before `start` wait for it, so none is read
 * from before the backlog's end.
 */
class Followers {
  private readonly active = new Set<string>();
  /** Time of the last line given per container: a later follower of the same one starts after it. */
  private readonly last = new Map<string, string>();
  private held: Map<string, string> | null = new Map();
  constructor(private readonly engine: Engine, private readonly queue: LineQueue<LogEntry>, private readonly signal: AbortSignal) {}

  /** Follow the listed containers and those asked for meanwhile, each after its backlog's last line. */
  start(listed: Array<{ id: string; source: string }>, backlogEnds: Map<string, string>): void {
    for (const [id, t] of backlogEnds) this.last.set(id, t);
    const held = this.held ?? new Map<string, string>();
    this.held = null;
    for (const c of listed) this.follow(c.id, c.source);
    for (const [id, source] of held) this.follow(id, source);
  }

  /** Follow `id` after the last line given of it, or from its beginning. */
  follow(id: string, source: string): void {
    if (this.held) {
      this.held.set(id, source);
      return;
    }
    if (this.active.has(id) || this.signal.aborted) return;
    this.active.add(id);
    this.pump(id, source, this.last.get(id))
      .catch(() => undefined) // removed while read: nothing more to say
      .finally(() => this.active.delete(id));
  }

  private async pump(id: string, source: string, after: string | undefined): Promise<void> {
    const since = after ? Math.floor(Date.parse(after) / 1000) : undefined;
    const lines = this.engine.containerLogs(id, { follow: true, since, signal: this.signal });
    for await (const e of entries(lines, source)) {
      if (after && compareTimes(e.time, after) <= 0) continue;
      this.last.set(id, e.time);
      await this.queue.push(e);
    }
  }
}

/** The last `tail` lines of each container, as entries, and the time of each container's last one. */
async function readBacklog(engine: Engine, containers: Container[], tail: number | undefined):
  Promise<{ backlog: LogEntry[]; last: Map<string, string> }> {
  const backlog: LogEntry[] = [];
  const last = new Map<string, string>();
  for (const c of containers) {
    try {
      for await (const e of entries(engine.containerLogs(c.record.id, { tail }), sourceOf(c.record.config.Labels ?? {}))) {
        backlog.push(e);
        last.set(c.record.id, e.time);
      }
    } catch {
      // Removed since it was listed: it has nothing more to say.
    }
  }
  return { backlog, last };
}

/** Archived lines of containers no longer listed, of the type asked for, `tail` per container. */
function gone(archived: ArchivedEntry[], listed: Container[], opts: LogsOptions): LogEntry[] {
  const present = new Set(listed.map((c) => c.record.id));
  const byContainer = new Map<string, LogEntry[]>();
  for (const { containerId, ...e } of archived) {
    if (present.has(containerId) || !sourceMatches(e.source, opts.type)) continue;
    const lines = byContainer.get(containerId);
    if (lines) lines.push(e);
    else byContainer.set(containerId, [e]);
  }
  const tail = opts.tail;
  return [...byContainer.values()].flatMap((l) => (tail === undefined ? l : tail === 0 ? [] : l.slice(-tail)));
}

/** Log records to entries: partial records (long lines conmon split) joined, newlines dropped. */
export async function* entries(lines: AsyncIterable<LogLine>, source: string): AsyncGenerator<LogEntry> {
  const partial: Record<string, { time: string; text: string } | undefined> = {};
  for await (const l of lines) {
    const text = l.data.toString();
    const p = partial[l.stream];
    if (!text.endsWith('\n')) {
      partial[l.stream] = { time: p?.time ?? l.time, text: (p?.text ?? '') + text };
      continue;
    }
    partial[l.stream] = undefined;
    yield { time: p?.time ?? l.time, source, stream: l.stream, line: (p?.text ?? '') + text.slice(0, -1) };
  }
}

/** A log record's text without its newline. */
export function logText(data: Buffer): string {
  const s = data.toString();
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

/** Is a container (by its labels) one of the app's, of the type or process asked for? */
function matches(labels: Record<string, string>, app: App, type: string | undefined): boolean {
  return labels[LABELS.appId] === app.id && sourceMatches(sourceOf(labels), type);
}

/** Is `web.1` what `type` asks for (`web`, `web.1` or anything)? */
function sourceMatches(source: string, type: string | undefined): boolean {
  if (!type) return true;
  return type.includes('.') ? source === type : source.slice(0, source.lastIndexOf('.')) === type;
}

/** `web.1`, `run.1234`. */
export function sourceOf(labels: Record<string, string>): string {
  return `${labels[LABELS.type] ?? 'unknown'}.${labels[LABELS.index] ?? '0'}`;
}

/** Order of RFC 3339 UTC times with any number of fraction digits (conmon writes nanoseconds). */
export function compareTimes(a: string, b: string): number {
  const ka = timeKey(a);
  const kb = timeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function timeKey(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|\+00:00)$/.exec(t);
  if (!m) return new Date(t).toISOString().replace('Z', '000000');
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

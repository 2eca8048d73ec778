/** Container stdio and live data: attach, wait, logs, resize, stats. */
import { setTimeout as sleep } from 'node:timers/promises';
import { invalid } from '../../../lib/errors.js';
import type { Container, LogOptions, StatsSample } from '../../containers/types.js';
import type { ApiCall, Route } from '../api-call.js';
import { readBody } from '../http/body.js';
import { boolParam, intParam, sendJson, sendStatus, startStream, terminalSize } from '../http/reply.js';
import { statsJson } from '../docker/stats-json.js';
import { parseTimestampParam } from '../docker/time.js';
import { RAW_STREAM, streamContentType } from '../streams/framing.js';
import { afterHead, hijack } from '../streams/hijack.js';
import { pumpLogs } from '../streams/logs.js';
import { relayAttachment } from '../streams/relay.js';
import type { ContainerWaitResponse } from '../docker/types.js';

const WAIT_CONDITIONS = ['not-running', 'next-exit', 'removed'] as const;
const STATS_INTERVAL_MS = 1000;

async function attach(call: ApiCall): Promise<void> {
  const { engine } = call.ctx;
  const c = await engine.getContainer(call.params.id!);
  await readBody(call); // some clients (dockerode) send their options as a body; stdin starts after it
  const q = call.query;
  const att = await engine.attachContainer(c.record.id, {
    stdin: boolParam(q, 'stdin'), stdout: boolParam(q, 'stdout'), stderr: boolParam(q, 'stderr'), logs: boolParam(q, 'logs'), stream: boolParam(q, 'stream'),
    detachKeys: q.get('detachKeys') ?? undefined,
  });
  const multiplexed = !c.record.config.Tty;
  const socket = hijack(call, call.upgrade ? streamContentType(call.apiVersion, multiplexed) : RAW_STREAM);
  socket.pause(); // stdin waits for the relay
  await afterHead(socket); // output meanwhile (the replayed log) is held by the attachment
  relayAttachment(att, socket, multiplexed);
}

/** Headers go out as soon as the wait is registered (the docker CLI waits before it starts); the body when it is over. */
async function wait(call: ApiCall): Promise<void> {
  const raw = call.query.get('condition') || 'not-running';
  const condition = WAIT_CONDITIONS.find((w) => w === raw);
  if (!condition) throw invalid(`invalid condition: "${raw}"`);
  const c = await call.ctx.engine.getContainer(call.params.id!);
  const result = call.ctx.engine.waitContainer(c.record.id, condition).then(
    (r): ContainerWaitResponse => ({ StatusCode: r.exitCode, Error: r.error ? { Message: r.error } : null }),
    (err: Error): ContainerWaitResponse => ({ StatusCode: -1, Error: { Message: err.message } }),
  );
  await new Promise(setImmediate);
  startStream(call.res, 'application/json');
  call.res.end(`${JSON.stringify(await result)}\n`);
}

async function logs(call: ApiCall): Promise<void> {
  const opts = logOptions(call.query);
  const c = await call.ctx.engine.getContainer(call.params.id!);
  // A client that goes away ends a followed log even while no line comes.
  const gone = new AbortController();
  call.res.once('close', () => gone.abort());
  const lines = call.ctx.engine.containerLogs(c.record.id, { ...opts, signal: gone.signal });
  const multiplexed = !c.record.config.Tty;
  startStream(call.res, streamContentType(call.apiVersion, multiplexed));
  await pumpLogs(lines, call.res, { multiplexed, timestamps: boolParam(call.query, 'timestamps') });
}

function logOptions(q: URLSearchParams): LogOptions {
  const stdout = boolParam(q, 'stdout');
  const stderr = boolParam(q, 'stderr');
  if (!stdout && !stderr) throw invalid('Bad parameters: you must choose at least one stream');
  const tail = q.get('tail');
  return {
    follow: boolParam(q, 'follow'),
    stdout,
    stderr,
    since: parseTimestampParam(q.get('since'), 'since') || undefined,
    until: parseTimestampParam(q.get('until'), 'until') || undefined,
    tail: !tail || tail === 'all' ? undefined : intParam(q, 'tail'),
  };
}

async function resize(call: ApiCall): Promise<void> {
  const { h, w } = terminalSize(call.query);
  await call.ctx.engine.resizeContainer(call.params.id!, h, w);
  sendStatus(call.res, 200);
}

/** One object (sampled twice, a second apart, unless `one-shot`), or one per second while `stream`. */
async function stats(call: ApiCall): Promise<void> {
  const c = await call.ctx.engine.getContainer(call.params.id!);
  if (boolParam(call.query, 'stream', true)) return streamStats(call, c);
  let prev: StatsSample | null = null;
  let cur = await sample(call, c);
  if (cur && !boolParam(call.query, 'one-shot')) {
    await sleep(STATS_INTERVAL_MS);
    prev = cur;
    cur = await sample(call, c);
  }
  sendJson(call.res, 200, statsJson(c, cur ?? zeroSample(), prev));
}

/** The first sample is taken before the reply starts, so its failure gets a real status; a later failure ends the stream. */
async function streamStats(call: ApiCall, c: Container): Promise<void> {
  let prev: StatsSample | null = null;
  let cur: StatsSample | null = await sample(call, c);
  startStream(call.res, 'application/json');
  while (!call.res.destroyed) {
    const now: StatsSample = cur ?? zeroSample();
    call.res.write(`${JSON.stringify(statsJson(c, now, prev))}\n`);
    prev = now;
    await sleep(STATS_INTERVAL_MS);
    try {
      cur = await sample(call, c);
    } catch {
      break; // the container is gone or stopped: the stream ends, as Docker's does
    }
  }
  call.res.end();
}

/** A sample of a running container; null (zeros in the reply, as dockerd sends) when it is not running. */
async function sample(call: ApiCall, c: Container): Promise<StatsSample | null> {
  const now = await call.ctx.engine.getContainer(c.record.id);
  if (now.state.status !== 'running' && now.state.status !== 'paused') return null;
  return call.ctx.engine.statsContainer(c.record.id);
}

function zeroSample(): StatsSample {
  return { read: '0001-01-01T00:00:00Z', cpuTotalNs: 0, systemCpuNs: 0, onlineCpus: 0, memoryUsage: 0, memoryLimit: 0, pids: 0, pidsLimit: 0 };
}

export const containerStreamRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/attach', handler: attach },
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
  { method: 'GET', path: '/containers/:id/logs', handler: logs },
  { method: 'POST', path: '/containers/:id/resize', handler: resize },
  { method: 'GET', path: '/containers/:id/stats', handler: stats },
];

/**
 * The WebSocket part of bench:router: an echo backend (the `ws` package, in
 * the bench's process) and a client that times sequential echo round trips
 * of a small message over one connection, directly and through each router
 * data path (on the fast path the upgrade is handed to http-proxy, so the
 * issue's promise is: no slower than through the http-proxy path).
 */
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { quantile } from './stats.js';

/** Round trips timed per run, after WARMUP untimed ones. */
const TRIPS = Number(process.env.BENCH_WS_TRIPS ?? 2000);
const WARMUP = 200;
const MESSAGE = 'tspaas-bench-echo-0123456789abcdef';

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

/** A WebSocket server on 127.0.0.1 that sends every message back. */
export async function startEcho(): Promise<EchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    close: () => new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

export interface EchoFigures {
  trips: number;
  p50Us: number;
  p99Us: number;
}

/** Open a WebSocket to `port` with Host `host`, then time TRIPS sequential echo round trips (µs); each reply must be the message. */
export async function echoRoundTrips(port: number, host: string): Promise<EchoFigures> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the upgrade was answered ${res.statusCode}`)));
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + TRIPS; i++) {
      const t0 = performance.now();
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data) => resolve(String(data)));
        ws.once('close', () => reject(new Error('the WebSocket closed during the run')));
        ws.send(MESSAGE);
      });
      ws.removeAllListeners('close');
      if (reply !== MESSAGE) throw new Error(`echo returned ${JSON.stringify(reply.slice(0, 80))}`);
      if (i >= WARMUP) times.push((performance.now() - t0) * 1000);
    }
  } finally {
    ws.terminate();
  }
  times.sort((a, b) => a - b);
  return { trips: times.length, p50Us: Math.round(quantile(times, 0.5)), p99Us: Math.round(quantile(times, 0.99)) };
}

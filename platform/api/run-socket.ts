/**
 * The interactive one-off over a WebSocket (RunMessage in types.ts): the
 * upgrade is authenticated (a revoked or expired token is 401) and checked
 * for ownership and the member role (403 below it) before it is accepted;
 * then `start` → a one-off attached to the socket, bytes both ways, `resize`,
 * `eof`, and `exit` with the code at the end. When the client goes away the
 * container is stopped (the scheduler removes it either way).
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { conflict, invalid, isKind, notFound, unauthorized } from '../../lib/errors.js';
import { findApp } from '../auth/ownership.js';
import { authenticateToken } from '../auth/tokens.js';
import { audit } from '../control/audit.js';
import { currentRelease } from '../store/releases.js';
import { startOneOff } from '../control/one-offs.js';
import { requestSize } from '../control/plans.js';
import type { App, Caller, OneOff, PlatformDeps } from '../types.js';
import { errorResponse } from './errors.js';
import type { RunMessage } from './types.js';
import { checkJsonStrings, checkRequestTarget, decodeSegment } from '../input.js';
import { clientAddress } from '../client-address.js';
import { check } from './validate.js';

type StartMessage = Extract<RunMessage, { type: 'start' }>;

/** The upgrade handler of the run endpoint, and its shutdown. */
export function createRunBridge(deps: PlatformDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  return {
    /** Accept `GET /v1/apps/:app/run` upgrades of callers who may see the app; answer others with the API's JSON error. */
    async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      socket.on('error', () => undefined);
      try {
        checkRequestTarget(req.url ?? '');
        const m = /^\/v1\/apps\/([^/?]+)\/run(?:\?.*)?$/.exec(req.url ?? '');
        if (!m) throw notFound('no WebSocket endpoint here');
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token) throw unauthorized('missing token');
        const caller = { ...await authenticateToken(deps.db, token), address: clientAddress(req, deps.config.trustedProxies) };
        const app = await findApp(deps.db, caller, decodeSegment(m[1]), 'member'); // one-offs need the member role
        wss.handleUpgrade(req, socket, head, (ws) => { void runSession(deps, caller, app, ws); });
      } catch (err) {
        const { status, body } = errorResponse(err, deps.log);
        const text = JSON.stringify(body);
        socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n`
          + `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      }
    },
    /** Close every session's socket (their containers are stopped as their clients go). */
    async close(): Promise<void> {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** One session: wait for `start`, run, relay, report the exit. */
async function runSession(deps: PlatformDeps, caller: Caller, app: App, ws: WebSocket): Promise<void> {
  const early: Array<{ data: RawData; isBinary: boolean }> = [];
  let oneOff: OneOff | null = null;
  let ended = false;
  const first = new Promise<StartMessage>((resolve, reject) => {
    ws.on('message', (data, isBinary) => {
      if (oneOff) return relayIn(oneOff, data, isBinary);
      if (early.length === 0) {
        try {
          if (isBinary) throw invalid('the first message must be "start"');
          const message: unknown = JSON.parse(data.toString());
          checkJsonStrings(message, 'start');
          resolve(check<StartMessage>('RunStart', message));
        } catch (err) {
          reject(isKind(err, 'Invalid') ? err : invalid('the first message must be a JSON "start"', err));
        }
      }
      early.push({ data, isBinary });
    });
    ws.once('close', () => reject(new Error('client went away')));
  });
  ws.once('close', () => { if (!ended) void oneOff?.stop().catch(() => undefined); });
  try {
    const start = await first;
    const release = await currentRelease(deps.db, app.id);
    if (!release) throw conflict(`${app.name} has no running release yet: push first`);
    oneOff = await startOneOff(deps, app, release, {
      command: start.command, env: start.env, tty: start.tty, attach: true, rows: start.rows, cols: start.cols,
      size: start.size === undefined ? undefined : await requestSize(deps, caller, app, start.size, 'run.attached'),
    });
    send(ws, { type: 'started', name: oneOff.name, containerId: oneOff.containerId });
    await audit(deps.db, caller, app, 'run.attached', { name: oneOff.name });
    for (const m of early.slice(1)) relayIn(oneOff, m.data, m.isBinary);
    const code = await relayOut(oneOff, ws, start.tty);
    ended = true;
    send(ws, { type: 'exit', code });
    ws.close(1000);
  } catch (err) {
    ended = true;
    if (ws.readyState === ws.OPEN) {
      send(ws, { type: 'error', message: errorResponse(err, deps.log).body.error.message });
      ws.close(1011);
    }
  }
}

/** Client → process: binary frames are stdin; text frames are `resize` or `eof`. */
function relayIn(oneOff: OneOff, data: RawData, isBinary: boolean): void {
  const stdin = oneOff.attachment?.stdin ?? null;
  if (isBinary) {
    stdin?.write(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
    return;
  }
  let msg: RunMessage;
  try { msg = JSON.parse(data.toString()) as RunMessage; } catch { return; }
  if (msg.type === 'resize' && Number.isInteger(msg.rows) && Number.isInteger(msg.cols)) void oneOff.resize(msg.rows, msg.cols).catch(() => undefined);
  if (msg.type === 'eof') stdin?.end();
}

/** Process → client until the process ends; resolves with its exit code once its output is flushed. */
async function relayOut(oneOff: OneOff, ws: WebSocket, tty: boolean): Promise<number> {
  const outputDone = new Promise<void>((resolve) => {
    if (!oneOff.attachment) return resolve();
    oneOff.attachment.onOutput((stream, data) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(tty ? data : Buffer.concat([Buffer.from([stream === 'stdout' ? 1 : 2]), data]));
    });
    oneOff.attachment.onEnd(resolve);
  });
  const code = await oneOff.wait();
  await Promise.race([outputDone, new Promise((r) => setTimeout(r, 2000).unref())]);
  return code;
}

function send(ws: WebSocket, msg: RunMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

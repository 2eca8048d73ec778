/**
 * Protocols through a real tspaas-router: WebSocket echo, SSE events passed
 * one at a time, 50 MB bodies streamed both ways, and a hung backend costing
 * a 504 at the route's timeout. "Streamed" and "one at a time" are checked
 * causally: the backend sends the next part only after the client has
 * received the previous one, which a buffering proxy would never deliver.
 */
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const MB = 1024 * 1024;
let db: TestDatabase;
let router: TestRouter;
const backends: TestBackend[] = [];

test.before(async () => {
  db = await createTestDatabase('tspaas_router_protocols');
  await putRoute(db, 'seed', {});
  router = await startRouter(db.url);
});

test.after.always(async () => {
  await router?.stop();
  await Promise.all(backends.map((b) => b.close()));
  await db?.drop();
});

async function route(app: string, handler: http.RequestListener, extra: Parameters<typeof putRoute>[2] = {}): Promise<TestBackend> {
  const b = await startBackend(app, handler);
  backends.push(b);
  await router.apply(() => putRoute(db, app, { backends: [{ port: b.port }], ...extra }));
  return b;
}

/** A promise with its resolve function, for backend/client hand-offs. */
function signal(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const wait = new Promise<void>((r) => { fire = r; });
  return { wait, fire };
}

test('WebSocket messages echo through the router', async (t) => {
  const b = await route('ws', (_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: b.server });
  wss.on('connection', (sock, req) => {
    sock.send(`hello ${req.headers['x-forwarded-proto']}`);
    sock.on('message', (m) => sock.send(`echo: ${String(m)}`));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${router.httpPort}/chat`, { headers: { host: 'ws.localhost' } });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (m) => {
      received.push(String(m));
      if (received.length === 1) ws.send('one');
      else if (received.length === 2) ws.send('two');
      else resolve();
    });
    ws.on('error', reject);
  });
  ws.close();
  t.deepEqual(received, ['hello http', 'echo: one', 'echo: two']);
  wss.close();
});

test('large binary WebSocket messages, sent at once, echo back intact', async (t) => {
  // The fast path hands the upgrade to http-proxy; the tunnel then reads through the socket's stream, not the fast path's buffer.
  const b = await route('wsbig', (_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: b.server, maxPayload: 8 * MB });
  wss.on('connection', (sock) => sock.on('message', (m: Buffer) => sock.send(m)));
  const ws = new WebSocket(`ws://127.0.0.1:${router.httpPort}/bin`, { headers: { host: 'wsbig.localhost' }, maxPayload: 8 * MB });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const sent = Array.from({ length: 4 }, () => randomBytes(MB));
  const echoed: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (m: Buffer) => { echoed.push(m); if (echoed.length === sent.length) resolve(); });
    ws.on('error', reject);
    for (const m of sent) ws.send(m);
  });
  ws.close();
  wss.close();
  t.deepEqual(echoed.map((m) => createHash('sha256').update(m).digest('hex')), sent.map((m) => createHash('sha256').update(m).digest('hex')));
});

test('SSE events arrive one by one, unbuffered', async (t) => {
  const got = [signal(), signal(), signal()];
  await route('sse', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < got.length; i++) {
      res.write(`id: ${i}\ndata: event ${i}\n\n`);
      await got[i].wait;
    }
    res.end();
  });
  const events: string[] = [];
  await new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: router.httpPort, path: '/events', headers: { host: 'sse.localhost', accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (s: string) => {
        buf += s;
        let end;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          events.push(buf.slice(0, end));
          buf = buf.slice(end + 2);
          got[events.length - 1].fire();
        }
      }).on('end', resolve).on('error', reject);
    }).on('error', reject);
  });
  t.deepEqual(events, ['id: 0\ndata: event 0', 'id: 1\ndata: event 1', 'id: 2\ndata: event 2']);
});

test('a 50 MB upload streams through to the backend', async (t) => {
  const firstBytesArrived = signal();
  await route('upload', (req, res) => {
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => { if (n === 0) firstBytesArrived.fire(); n += c.length; hash.update(c); });
    req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
  });
  // Varied bytes, a new megabyte each time: a piece forwarded from a read buffer that was reused meanwhile would change the hash.
  const chunks = Array.from({ length: 50 }, () => randomBytes(MB));
  const expected = createHash('sha256');
  const reply = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: router.httpPort, method: 'POST', path: '/up', headers: { host: 'upload.localhost', 'content-length': 50 * MB } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve(body));
    });
    req.on('error', reject);
    void (async () => {
      req.write(chunks[0]);
      expected.update(chunks[0]);
      // The rest is sent only once the backend has seen the start: a buffering proxy would stall here.
      await firstBytesArrived.wait;
      for (let i = 1; i < 50; i++) {
        expected.update(chunks[i]);
        if (!req.write(chunks[i])) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })();
  });
  t.deepEqual(JSON.parse(reply), { n: 50 * MB, sha: expected.digest('hex') });
});

test('four uploads at once, two of them chunked, arrive intact (clients of one worker share its read buffer)', async (t) => {
  await route('uploads', (req, res) => {
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => res.end(hash.digest('hex')));
  });
  const upload = (body: Buffer, chunked: boolean) => new Promise<string>((resolve, reject) => {
    const headers = chunked ? { host: 'uploads.localhost' } : { host: 'uploads.localhost', 'content-length': body.length };
    const req = http.request({ host: '127.0.0.1', port: router.httpPort, method: 'PUT', path: '/up', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => { text += s; }).on('end', () => resolve(text));
    });
    req.on('error', reject);
    // Without a Content-Length node sends the pieces as chunks.
    for (let at = 0; at < body.length; at += MB) req.write(body.subarray(at, at + MB));
    req.end();
  });
  const bodies = Array.from({ length: 4 }, () => randomBytes(8 * MB));
  const hashes = await Promise.all(bodies.map((b, i) => upload(b, i % 2 === 1)));
  t.deepEqual(hashes, bodies.map((b) => createHash('sha256').update(b).digest('hex')));
});

test('a 50 MB download streams through to the client', async (t) => {
  const clientGotBytes = signal();
  const chunk = Buffer.alloc(MB, 9);
  const expected = createHash('sha256');
  for (let i = 0; i < 50; i++) expected.update(chunk);
  await route('download', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 50 * MB });
    res.write(chunk);
    await clientGotBytes.wait;
    for (let i = 1; i < 50; i++) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  const { n, sha } = await new Promise<{ n: number; sha: string }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: router.httpPort, path: '/big', headers: { host: 'download.localhost' } }, (res) => {
      const hash = createHash('sha256');
      let count = 0;
      res.on('data', (c: Buffer) => { count += c.length; hash.update(c); clientGotBytes.fire(); });
      res.on('end', () => resolve({ n: count, sha: hash.digest('hex') })).on('error', reject);
    }).on('error', reject);
  });
  t.is(n, 50 * MB);
  t.is(sha, expected.digest('hex'));
});

test('a hung backend costs a 504 at the route timeout, and the worker keeps serving', async (t) => {
  const hung: http.ServerResponse[] = [];
  await route('hung', (_req, res) => { hung.push(res); }, { requestTimeoutMs: 400 });
  const started = Date.now();
  const r = await get(router.httpPort, '/', { host: 'hung.localhost', headers: { accept: 'application/json' } });
  t.is(r.status, 504);
  t.is(JSON.parse(r.body).error.code, 'timeout');
  t.true(Date.now() - started >= 400, 'not before the timeout');
  const again = await Promise.all([1, 2, 3, 4].map(() => get(router.httpPort, '/', { host: 'hung.localhost' })));
  t.deepEqual(again.map((x) => x.status), [504, 504, 504, 504]);
  hung.forEach((res) => res.destroy());
});

/**
 * The edge's own limits through a real tspaas-router (one worker, so the
 * per-worker caps are the router's): the headers timeout against a
 * Slowloris client (RSnake, "Slowloris HTTP DoS", 2009: one header byte at
 * a time keeps a connection from ever completing its head), the caps on
 * connections in all and per client address, and 431 for an oversized head
 * (RFC 6585 §5 "431 Request Header Fields Too Large"). Runs on the data path
 * TSPAAS_ROUTER_DATA_PATH names (fast by default).
 */
import test from 'ava';
import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

let db: TestDatabase;
let router: TestRouter;
let backend: TestBackend;

test.before(async () => {
  db = await createTestDatabase('tspaas_router_limits');
  backend = await startBackend('limits');
  await putRoute(db, 'limits', { backends: [{ port: backend.port }] });
  // Default headers timeout (the documented 10 s); small caps so the test can reach them.
  router = await startRouter(db.url, { workers: 1, args: ['--max-connections', '5', '--max-connections-per-ip', '3'] });
});

test.after.always(async () => {
  await router?.stop();
  await backend?.close();
  await db?.drop();
});

/** A raw client connection from `localAddress` that collects what it receives. */
interface Raw {
  socket: net.Socket;
  received(): string;
  closed: Promise<number>;
}

function connect(localAddress = '127.0.0.1'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = net.connect({ host: '127.0.0.1', port: router.httpPort, localAddress });
    socket.setEncoding('latin1').on('data', (s: string) => { got += s; });
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => got, closed }));
    socket.once('error', reject);
  });
}

/** Send one request on `raw` and wait for its complete response (Content-Length framed). */
async function ask(raw: Raw, host = 'limits.localhost'): Promise<string> {
  const before = raw.received().length;
  raw.socket.write(`GET /ask HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  for (let i = 0; i < 500; i++) {
    const got = raw.received().slice(before);
    const end = got.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(got);
    if (end !== -1 && length !== null && got.length >= end + 4 + Number(length[1])) return got;
    if (raw.socket.destroyed) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no complete response: ${JSON.stringify(raw.received())}`);
}

test.serial('a Slowloris client (one header byte a second) is closed at the 10 s headers timeout ±1 s', async (t) => {
  t.timeout(30_000);
  const raw = await connect();
  const started = Date.now();
  raw.socket.write('GET / HTTP/1.1\r\nHost: limits.localhost\r\nX-Slow: ');
  const drip = setInterval(() => { if (raw.socket.writable) raw.socket.write('a'); }, 1_000);
  const closedAt = await raw.closed;
  clearInterval(drip);
  const took = closedAt - started;
  t.log(`closed after ${took} ms`);
  t.true(took >= 9_000 && took <= 11_000, `closed after ${took} ms`);
  t.regex(raw.received(), /^HTTP\/1\.1 408 /);
});

test.serial('an oversized request head (64 KiB header) gets 431, not 400', async (t) => {
  const raw = await connect();
  raw.socket.write(`GET / HTTP/1.1\r\nHost: limits.localhost\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
  await raw.closed;
  t.regex(raw.received(), /^HTTP\/1\.1 431 /);
});

test.serial('connections are capped per client address and in all; refusals are answered 503 and counted', async (t) => {
  const base = (await router.stats()).workers[0].connections;
  const held: Raw[] = [];
  for (let i = 0; i < 3; i++) {
    const raw = await connect('127.0.0.1');
    t.regex(await ask(raw), /^HTTP\/1\.1 200 /, `connection ${i + 1} of 127.0.0.1`);
    held.push(raw);
  }
  const fourth = await connect('127.0.0.1');
  await fourth.closed;
  t.regex(fourth.received(), /^HTTP\/1\.1 503 .*\r\n[^]*connection: close/i, 'the 4th from one address is refused');
  // Other addresses still get in, up to the total of 5.
  for (const address of ['127.0.0.2', '127.0.0.2']) {
    const raw = await connect(address);
    t.regex(await ask(raw), /^HTTP\/1\.1 200 /, address);
    held.push(raw);
  }
  const sixth = await connect('127.0.0.3');
  await sixth.closed;
  t.regex(sixth.received(), /^HTTP\/1\.1 503 /, 'the 6th in all is refused');
  // A freed place is taken again.
  const first = held.shift()!;
  first.socket.destroy();
  await first.closed;
  await new Promise((r) => setTimeout(r, 100));
  const again = await connect('127.0.0.1');
  t.regex(await ask(again), /^HTTP\/1\.1 200 /);
  held.push(again);
  const counts = (await router.stats()).workers[0].connections;
  t.is(counts.refusedPerAddress - base.refusedPerAddress, 1);
  t.is(counts.refusedTotal - base.refusedTotal, 1);
  t.is(counts.open, 5);
  for (const raw of held) raw.socket.destroy();
});

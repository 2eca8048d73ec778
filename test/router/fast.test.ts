/**
 * The fast data path (--data-path=fast) on raw sockets, where framing is
 * visible: pipelined requests answered in order with their bodies intact,
 * hand-off to the http-proxy path in the middle of a keep-alive connection
 * (HTTP/1.0, Expect: 100-continue), response framing (HEAD, 204, 304, 1xx,
 * close-delimited, chunked), and the request-smuggling refusals: each
 * hostile request is refused, the connection closed, and the request
 * hidden behind it never reaches the backend.
 */
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { putRoute, rawRoundTrip, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

let db: TestDatabase;
let router: TestRouter;
let echo: TestBackend;
let raw: net.Server;
/** URLs the echo backend saw, in order. */
const seen: string[] = [];

test.before(async () => {
  db = await createTestDatabase('tspaas_router_fast');
  echo = await startBackend('echo', (req, res) => {
    seen.push(req.url!);
    let n = 0;
    let text = '';
    req.setEncoding('latin1').on('data', (s: string) => { n += s.length; text += s; });
    req.on('end', () => {
      if (req.url === '/204') { res.writeHead(204).end(); return; }
      if (req.url === '/304') { res.writeHead(304, { etag: '"x"' }).end(); return; }
      if (req.url === '/early') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      if (req.url === '/streamed') { res.write('part one,'); res.end('part two'); return; }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, n, body: text.slice(0, 40), te: req.headers['transfer-encoding'] ?? null }));
    });
  });
  // A backend written by hand: a close-delimited response (no length, no chunks), as HTTP/1.0-era servers send.
  raw = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end')));
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  await putRoute(db, 'fast', { backends: [{ port: echo.port }] });
  await putRoute(db, 'closing', { backends: [{ port: (raw.address() as net.AddressInfo).port }] });
  router = await startRouter(db.url, { workers: 1, args: ['--data-path', 'fast'] });
});

test.after.always(async () => {
  await router?.stop();
  await echo?.close();
  raw?.close();
  await db?.drop();
});

function roundTrip(bytes: string): Promise<string> {
  return rawRoundTrip(router.httpPort, bytes);
}

const H = 'Host: fast.localhost\r\n';
const LAST = `GET /last HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;

/** Status codes of the responses in `text`, in order. */
function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

test.serial('pipelined requests, with Content-Length and chunked bodies, are answered in order, bodies intact', async (t) => {
  const out = await roundTrip(`GET /one HTTP/1.1\r\n${H}\r\n`
    + `POST /two HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\nhello world`
    + `POST /three HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n chunk\r\n0\r\nx-trailer: 1\r\n\r\n`
    + `GET /four HTTP/1.1\r\n${H}\r\n${LAST}`);
  const bodies = [...out.matchAll(/\{"method[^}]*\}/g)].map((m) => JSON.parse(m[0]) as { url: string; n: number; body: string; te: string | null });
  t.deepEqual(bodies.map((b) => b.url), ['/one', '/two', '/three', '/four', '/last']);
  t.is(bodies[1].body, 'hello world');
  t.is(bodies[2].body, 'hello chunk');
  t.is(bodies[2].te, 'chunked', 'a chunked body goes on chunked');
  t.deepEqual(statuses(out), [200, 200, 200, 200, 200]);
});

test.serial('HTTP/1.0 and Expect: 100-continue go to the http-proxy path, after fast-path requests on the same connection', async (t) => {
  const out = await roundTrip(`GET /fast-first HTTP/1.1\r\n${H}\r\nGET /old HTTP/1.0\r\n${H}\r\n`);
  t.deepEqual(statuses(out), [200, 200]);
  t.regex(out, /"url":"\/old"/);
  const expect = await roundTrip(`GET /fast-again HTTP/1.1\r\n${H}\r\nPOST /expect HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody`);
  t.deepEqual(statuses(expect), [200, 100, 200]);
  t.regex(expect, /"url":"\/expect","n":4/);
});

test.serial('responses are framed: HEAD, 204, 304 without a body, 1xx dropped, streamed and close-delimited bodies chunked', async (t) => {
  const out = await roundTrip(`HEAD /head HTTP/1.1\r\n${H}\r\nGET /204 HTTP/1.1\r\n${H}\r\nGET /304 HTTP/1.1\r\n${H}\r\n`
    + `GET /early HTTP/1.1\r\n${H}\r\nGET /streamed HTTP/1.1\r\n${H}\r\n${LAST}`);
  t.deepEqual(statuses(out), [200, 204, 304, 200, 200, 200]);
  t.regex(out, /transfer-encoding: chunked\r\n\r\n9\r\npart one,\r\n8\r\npart two\r\n0\r\n\r\n/i);
  const closing = await roundTrip('GET / HTTP/1.1\r\nHost: closing.localhost\r\nConnection: close\r\n\r\n');
  t.regex(closing, /^HTTP\/1\.1 200 OK\r\n[^]*transfer-encoding: chunked\r\n\r\nd\r\nuntil the end\r\n0\r\n\r\n$/i);
});

/**
 * Desync cases: Kettle, "HTTP Desync Attacks: Request Smuggling Reborn"
 * (PortSwigger, 2019) and "HTTP/1.1 must die" (2025); RFC 9112 §6.3 (CL+TE),
 * §3.2 (one Host), §5.1 (no whitespace before the colon), §5.2 (obs-fold),
 * §2.2 (bare LF); nginx 1.21.1's changelog (CL+TE refused); nginx answers an
 * unknown transfer coding 501. Each hides `GET /smuggled` behind the hostile part.
 */
const SMUGGLED = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
const DESYNC: [string, string, number][] = [
  ['CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['TE.CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['obfuscated TE value', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, 501],
  // llhttp itself refuses a coding after `chunked` (RFC 9112 §6.3: chunked must be last).
  ['TE list', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['TE twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['TE identity, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, 501],
  ['space before colon', `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['duplicate Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: 5\r\n\r\n${SMUGGLED}`, 400],
  ['signed Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nabcde${SMUGGLED}`, 400],
  ['bare LF in head', `GET / HTTP/1.1\r\n${H}X-A: 1\nContent-Length: 30\r\n\r\n${SMUGGLED}`, 400],
  ['NUL in header value', `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n${SMUGGLED}`, 400],
  ['obs-fold', `GET / HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n${SMUGGLED}`, 400],
  ['duplicate Host', `GET / HTTP/1.1\r\n${H}Host: other.localhost\r\n\r\n${SMUGGLED}`, 400],
  ['chunk size junk', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['chunk size overflow', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['bare LF after chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n${SMUGGLED}`, 400],
  ['chunk longer than its size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n${SMUGGLED}`, 400],
];

for (const [name, bytes, status] of DESYNC) {
  test.serial(`desync: ${name} is refused with ${status} and nothing behind it is served`, async (t) => {
    const before = seen.length;
    const out = await roundTrip(bytes);
    t.deepEqual(statuses(out), [status], out);
    t.false(seen.slice(before).includes('/smuggled'), 'the hidden request never reached the backend');
  });
}

test.serial('a 64 KiB head gets 431 on the fast path too, and plain keep-alive still works after the refusals', async (t) => {
  const out = await roundTrip(`GET / HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
  t.deepEqual(statuses(out), [431]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 5; i++) {
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: router.httpPort, path: `/ka${i}`, agent, headers: { host: 'fast.localhost' } }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode!));
      }).on('error', reject);
    });
    t.is(status, 200);
  }
  agent.destroy();
});

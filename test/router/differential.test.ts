/**
 * Differential test of the two data paths: the same request bytes, sent to a
 * router on --data-path=fast and one on --data-path=http-proxy in front of
 * the same backend, must give the backend the same request (method, target,
 * header lines in order with their values, body bytes; request ids
 * normalised) and the client the same response (status line, header lines,
 * body bytes; Date and request ids normalised). Header-name case and chunk
 * boundaries are compared normalised: the fast path keeps the client's
 * header-name case and re-chunks per read, where node lower-cases names.
 *
 * The corpus covers what a proxy's framing touches (issue 15): methods,
 * bodies with and without Content-Length, pipelined requests, HEAD,
 * 204/304, 1xx, trailers, large bodies, slow bodies, aborted backends, and
 * clients that abort mid-body or while the backend holds its answer (the
 * backend must see the same aborted upload, and its connection closed
 * before it answers, on both paths).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

let db: TestDatabase;
let backend: TestBackend;
let fast: TestRouter;
let proxied: TestRouter;
/** What the backend saw of each request, by the X-Case header the test sets. */
const views = new Map<string, string[]>();

/** 1 MiB of varied printable bytes: a piece read into a reused buffer and sent after the buffer moved on would change its hash. */
const BIG = Array.from({ length: 1024 * 1024 }, (_, i) => String.fromCharCode(33 + ((i * 7919 + (i >> 10)) % 90))).join('');
/** BIG as a chunked body of 64 KiB chunks. */
const BIG_CHUNKED = `${Array.from({ length: 16 }, (_, i) => `10000\r\n${BIG.slice(i * 65536, (i + 1) * 65536)}\r\n`).join('')}0\r\n\r\n`;

/** The backend: records each request's view, answers by path. */
function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const hash = createHash('sha256');
  let n = 0;
  req.on('data', (c: Buffer) => { n += c.length; hash.update(c); });
  // An upload the client gave up on reaches the backend as an aborted request: what came before the abort, never more.
  req.on('close', () => { if (!req.complete) views.set(String(req.headers['x-case']), [`${req.method} ${req.url}`, `aborted after ${n} body bytes`]); });
  req.on('end', () => {
    const names = new Set(['date', 'x-request-id']);
    const lines = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      lines.push(`${name}: ${names.has(name) ? '<id>' : name === 'x-forwarded-port' ? '<port>' : req.rawHeaders[i + 1]}`);
    }
    views.set(String(req.headers['x-case']), [`${req.method} ${req.url} HTTP/${req.httpVersion}`, ...normalise(req.method!, lines), `body ${n} ${hash.digest('hex').slice(0, 16)}`]);
    respond(req, res);
  });
}

/**
 * The backend's view of header lines, with the differences that are not
 * meaning normalised: lines of different names in any order (node orders the
 * http-proxy path's by its header object), repeated lines joined as node
 * joins them (", ", Cookie "; "; RFC 9110 §5.3: the same field; the fast
 * path keeps them apart, as the client sent them and nginx forwards them),
 * and the `content-length: 0` http-proxy adds to DELETE and OPTIONS without
 * a body (its web-incoming `deleteLength` pass; the fast path adds nothing).
 */
function normalise(method: string, lines: string[]): string[] {
  const byName = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if ((method === 'DELETE' || method === 'OPTIONS') && line === 'content-length: 0') continue;
    byName.set(name, [...(byName.get(name) ?? []), line.slice(colon + 2)]);
  }
  return [...byName.keys()].sort().map((name) => `${name}: ${byName.get(name)!.join(name === 'cookie' ? '; ' : ', ')}`);
}

function respond(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/204': res.writeHead(204, { 'x-kind': 'empty' }).end(); return;
    case '/304': res.writeHead(304, { etag: '"v1"' }).end(); return;
    case '/early': res.writeEarlyHints({ link: '</a.css>; rel=preload' }); res.end('after hints'); return;
    case '/trailers': res.writeHead(200, { trailer: 'x-sum' }); res.write('with '); res.addTrailers({ 'x-sum': '42' }); res.end('trailers'); return;
    case '/big': res.end(BIG); return;
    case '/cookies': res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']); res.setHeader('X-Mixed-Case', 'kept'); res.end('two cookies'); return;
    case '/stream': res.write('first,'); setTimeout(() => res.end('second'), 50); return;
    case '/hold': {
      // Answers after 300 ms, unless the router closed the connection first (its client went away).
      const timer = setTimeout(() => res.end('held'), 300);
      res.on('close', () => {
        if (res.writableFinished) return;
        clearTimeout(timer);
        views.get(String(req.headers['x-case']))?.push('closed by the router before the answer');
      });
      return;
    }
    case '/cut': res.writeHead(200, { 'content-length': '100' }); res.write('only part'); setTimeout(() => res.destroy(), 50); return;
    default: res.setHeader('content-type', 'text/plain'); res.end(`ok ${req.method} ${req.url}`);
  }
}

test.before(async () => {
  db = await createTestDatabase('tspaas_router_differential');
  backend = await startBackend('differential', serve);
  await putRoute(db, 'diff', { backends: [{ port: backend.port }] });
  [fast, proxied] = await Promise.all([
    startRouter(db.url, { workers: 1, args: ['--data-path', 'fast', '--access-log', 'off'] }),
    startRouter(db.url, { workers: 1, args: ['--data-path', 'http-proxy', '--access-log', 'off'] }),
  ]);
});

test.after.always(async () => {
  await Promise.all([fast?.stop(), proxied?.stop()]);
  await backend?.close();
  await db?.drop();
});

/** A part that makes the client close its connection there (an aborted client). */
const ABORT = '<abort>';

/** Send `parts` (with `gapMs` between them) on a fresh connection; everything received until the router closes it (or ABORT). */
function exchange(port: number, parts: string[], gapMs = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', async () => {
      for (const p of parts) {
        if (p === ABORT) {
          s.destroy();
          return;
        }
        s.write(p, 'latin1');
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
    s.on('data', (d: Buffer) => got.push(d));
    const timer = setTimeout(() => { s.destroy(); resolve(Buffer.concat(got)); }, 10_000);
    s.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(got)); });
    s.on('error', reject);
  });
}

/** The client's view of a response stream: heads (names lower-cased, Date and ids normalised) and de-chunked bodies. */
function clientView(raw: Buffer, headResponses: number): string[] {
  const text = raw.toString('latin1');
  const out: string[] = [];
  let at = 0;
  for (let index = 0; at < text.length; index++) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) { out.push(`truncated ${text.length - at}`); break; }
    const [status, ...lines] = text.slice(at, end).split('\r\n');
    const headers = lines.map((l) => { const c = l.indexOf(':'); return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()]; });
    out.push(status, ...headers.map(([n, v]) => `${n}: ${n === 'date' || n === 'x-request-id' ? '<id>' : v}`));
    at = end + 4;
    const code = Number(status.split(' ')[1]);
    if (code < 200 || code === 204 || code === 304 || index < headResponses) continue;
    const length = headers.find(([n]) => n === 'content-length');
    if (length !== undefined) {
      const body = text.slice(at, at + Number(length[1]));
      out.push(`body ${body.length} ${createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 16)}`);
      at += Number(length[1]);
    } else {
      const [body, next] = dechunk(text, at);
      out.push(`body ${body.length} ${createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 16)}`);
      at = next;
    }
  }
  return out;
}

/** A chunked body from `at`: its bytes and where it ends (trailers skipped). */
function dechunk(text: string, at: number): [string, number] {
  let body = '';
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol === -1) return [`${body}<truncated>`, text.length];
    const size = parseInt(text.slice(at, eol), 16);
    if (Number.isNaN(size)) return [`${body}<bad chunk>`, text.length];
    at = eol + 2;
    if (size === 0) {
      const end = text.indexOf('\r\n\r\n', at - 2);
      return [body, end === -1 ? text.length : end + 4];
    }
    body += text.slice(at, at + size);
    at += size + 2;
  }
}

const HOST = 'Host: diff.localhost\r\n';
const req = (c: string, line: string, extra = '', body = '') => `${line}\r\n${HOST}X-Case: ${c}\r\n${extra}\r\n${body}`;
const CLOSE = (c: string) => req(c, 'GET /last HTTP/1.1', 'Connection: close\r\n');

/**
 * [name, request parts, gap between parts (ms), responses to HEAD, time for the backend to see the end (ms)]: each
 * ends with a `Connection: close` request so the router closes, or with ABORT.
 */
const CORPUS: [string, string[], number?, number?, number?][] = [
  ['GET', [req('get', 'GET /plain?x=1&y=%2F HTTP/1.1'), CLOSE('get-last')]],
  ['HEAD', [req('head', 'HEAD /plain HTTP/1.1'), CLOSE('head-last')], 0, 1],
  ['DELETE and OPTIONS', [req('delete', 'DELETE /thing/1 HTTP/1.1'), req('options', 'OPTIONS /thing HTTP/1.1'), CLOSE('do-last')]],
  ['POST with Content-Length', [req('post', 'POST /form HTTP/1.1', 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n', 'a=1&b=two&c'), CLOSE('post-last')]],
  ['POST chunked, extensions and trailers', [req('chunked', 'POST /up HTTP/1.1', 'Transfer-Encoding: chunked\r\n', '3;x=y\r\nabc\r\n5\r\ndefgh\r\n0\r\nX-T: 1\r\n\r\n'), CLOSE('chunked-last')]],
  ['PUT 1 MiB', [req('put', 'PUT /big HTTP/1.1', `Content-Length: ${BIG.length}\r\n`, BIG), CLOSE('put-last')]],
  ['slow body', [req('slow', 'POST /slow HTTP/1.1', 'Content-Length: 12\r\n', 'abcd'), 'efgh', 'ijkl', CLOSE('slow-last')], 60],
  ['PUT 1 MiB chunked', [req('put-chunked', 'PUT /big HTTP/1.1', 'Transfer-Encoding: chunked\r\n', BIG_CHUNKED), CLOSE('put-chunked-last')]],
  ['a head in three reads', ['GET /split HTTP/1.1\r\nHo', `st: diff.localhost\r\nX-Ca`, 'se: split\r\n\r\n', CLOSE('split-last')], 60],
  // The fast path hands HTTP/1.0 to http-proxy with every byte it read: the pieces of the head are kept across reads.
  ['an HTTP/1.0 head in three reads', ['GET /split10 HTTP/1.0\r\nHo', `st: diff.localhost\r\nX-Ca`, 'se: split10\r\n\r\n'], 60],
  // The second request and half its body wait while the first is held; the rest of the body comes in a later read.
  ['pipelined bytes kept across reads', [req('kept1', 'GET /hold HTTP/1.1') + req('kept2', 'POST /kept HTTP/1.1', 'Content-Length: 10\r\n', '01234'),
    `56789${CLOSE('kept-last')}`], 100],
  ['pipelined', [req('p1', 'GET /p1 HTTP/1.1') + req('p2', 'POST /p2 HTTP/1.1', 'Content-Length: 3\r\n', 'xyz') + req('p3', 'GET /p3 HTTP/1.1') + CLOSE('p-last')]],
  ['repeated and mixed-case headers', [req('dup', 'GET /dup HTTP/1.1', 'X-Dup: a\r\nx-dup: b\r\nCookie: c=1\r\nAccept: text/plain\r\n'), CLOSE('dup-last')]],
  ['hop-by-hop and forwarding headers', [req('hop', 'GET /hop HTTP/1.1', 'Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\nKeep-Alive: 5\r\nX-Forwarded-For: 203.0.113.7\r\nVia: 1.0 edge\r\nX-Request-Id: given-request-id-0123456789\r\n'), CLOSE('hop-last')]],
  ['204 and 304', [req('e204', 'GET /204 HTTP/1.1'), req('e304', 'GET /304 HTTP/1.1', 'If-None-Match: "v1"\r\n'), CLOSE('e-last')]],
  ['1xx before the response', [req('early', 'GET /early HTTP/1.1'), CLOSE('early-last')]],
  ['response trailers', [req('trailers', 'GET /trailers HTTP/1.1'), CLOSE('trailers-last')]],
  ['1 MiB response', [req('bigres', 'GET /big HTTP/1.1'), CLOSE('bigres-last')]],
  ['streamed response and duplicate Set-Cookie', [req('stream', 'GET /stream HTTP/1.1'), req('cookies', 'GET /cookies HTTP/1.1'), CLOSE('stream-last')]],
  ['backend cuts its response', [req('cut', 'GET /cut HTTP/1.1')]],
  ['client aborts during the request body', [req('abort-body', 'POST /upload HTTP/1.1', 'Content-Length: 12\r\n', 'abcd'), ABORT], 200, 0, 600],
  ['client aborts while the backend holds its answer', [req('abort-wait', 'GET /hold HTTP/1.1'), ABORT], 100, 0, 600],
];

for (const [name, parts, gap, headResponses = 0, settleMs = 0] of CORPUS) {
  test.serial(`differential: ${name}`, async (t) => {
    const settle = () => new Promise((r) => setTimeout(r, settleMs));
    views.clear();
    const viaFast = clientView(await exchange(fast.httpPort, parts, gap), headResponses);
    await settle();
    const seenFast = new Map([...views].map(([k, v]) => [k, [...v]]));
    views.clear();
    const viaProxy = clientView(await exchange(proxied.httpPort, parts, gap), headResponses);
    await settle();
    const seenProxy = new Map(views);
    if (parts.includes(ABORT)) t.true(seenProxy.size > 0, 'the backend saw the request before the client went away');
    t.deepEqual(viaFast, viaProxy, 'the client gets the same responses');
    t.deepEqual([...seenFast.keys()].sort(), [...seenProxy.keys()].sort(), 'the backend gets the same requests');
    for (const [key, view] of seenProxy) t.deepEqual(seenFast.get(key), view, `the backend sees request ${key} the same way`);
  });
}

/**
 * A backend is tenant code: its response bytes are as hostile as a client's
 * request bytes. A hand-written backend sends, by request path, responses
 * whose framing is broken or ambiguous; the router must never let one
 * response's bytes be read as another's (response splitting and queue
 * poisoning: Kettle, "HTTP Desync Attacks", 2019, §"Response queue
 * poisoning"; RFC 9112 §6.3 for how a body's length is found), and must cut
 * a client off rather than hand it a body that looks complete when it is
 * not. Runs on the data path TSPAAS_ROUTER_DATA_PATH names (fast by
 * default), so both paths are held to the same answers.
 */
import test from 'ava';
import net from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { putRoute, rawRoundTrip, startRouter, type TestRouter } from '../helpers/router.js';

const H = 'Host: framing.localhost\r\n';

/** What the hand-written backend answers, by request path; it closes after `close` answers. */
const ANSWERS: Record<string, { bytes: string; close?: boolean }> = {
  '/ok': { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
  // A second response glued behind the first: whoever reads it as the next request's answer is poisoned.
  '/glued': { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled' },
  '/cl-te': { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled' },
  '/bad-chunk': { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n' },
  '/short': { bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this', close: true },
  '/gzip-te': { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nnot really gzip', close: true },
  '/trailers': { bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n' },
  '/early': { bytes: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal' },
};

let db: TestDatabase;
let router: TestRouter;
let backend: net.Server;

test.before(async () => {
  db = await createTestDatabase('tspaas_router_backend_framing');
  backend = net.createServer((s) => {
    let pending = '';
    s.on('error', () => undefined);
    s.setEncoding('latin1').on('data', (d: string) => {
      pending += d;
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const answer = ANSWERS[head.split(' ')[1]] ?? ANSWERS['/ok'];
        s.write(answer.bytes, 'latin1');
        if (answer.close) s.end();
      }
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  await putRoute(db, 'framing', { backends: [{ port: (backend.address() as net.AddressInfo).port }] });
  // One worker and one backend connection at a time: a poisoned connection would be the one the next request gets.
  router = await startRouter(db.url, { workers: 1, args: ['--max-sockets', '1'] });
});

test.after.always(async () => {
  await router?.stop();
  backend?.close();
  await db?.drop();
});

function roundTrip(bytes: string): Promise<string> {
  return rawRoundTrip(router.httpPort, bytes);
}

/** Bodies of the responses in `text` that carry a Content-Length or are chunked, with the status lines. */
function responses(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (let end = rest.indexOf('\r\n\r\n'); end !== -1; end = rest.indexOf('\r\n\r\n')) {
    const head = rest.slice(0, end);
    rest = rest.slice(end + 4);
    const status = head.split('\r\n')[0];
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    if (length !== null) {
      out.push(`${status} ${rest.slice(0, Number(length[1]))}`);
      rest = rest.slice(Number(length[1]));
    } else if (/\r\ntransfer-encoding: chunked/i.test(head)) {
      let body = '';
      for (;;) {
        const line = rest.indexOf('\r\n');
        if (line === -1) return [...out, `${status} ${body} (cut)`];
        const size = parseInt(rest.slice(0, line), 16);
        if (size === 0) { rest = rest.slice(line + 4); break; }
        body += rest.slice(line + 2, line + 2 + size);
        rest = rest.slice(line + 2 + size + 2);
      }
      out.push(`${status} ${body}`);
    } else out.push(status);
  }
  return out;
}

test.serial('a second response glued behind the first never answers the next request', async (t) => {
  const out = await roundTrip(`GET /glued HTTP/1.1\r\n${H}\r\nGET /ok HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  t.deepEqual(responses(out), ['HTTP/1.1 200 OK first', 'HTTP/1.1 200 OK ok']);
  // And on a new client connection, the backend connection the router keeps is not the poisoned one.
  t.deepEqual(responses(await roundTrip(`GET /ok HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)), ['HTTP/1.1 200 OK ok']);
});

test.serial('Content-Length with Transfer-Encoding from a backend is a bad gateway, and what it hid is never served', async (t) => {
  const out = await roundTrip(`GET /cl-te HTTP/1.1\r\n${H}\r\nGET /ok HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  t.regex(out, /^HTTP\/1\.1 502 /);
  t.notRegex(out, /smuggled/);
});

test.serial('a broken chunked body or a body cut short never reaches the client as complete', async (t) => {
  const chunked = await roundTrip(`GET /bad-chunk HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  // The head may have gone out before the broken chunk came (fast path), or not (node's client parses the read whole).
  t.regex(chunked, /^(HTTP\/1\.1 200 |$)/);
  t.notRegex(chunked, /\r\n0\r\n\r\n$/, 'no last chunk: the client sees the body cut');
  t.notRegex(chunked, /world/);
  const short = await roundTrip(`GET /short HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  t.regex(short, /^HTTP\/1\.1 200 /);
  const length = /content-length: (\d+)/i.exec(short);
  const body = short.slice(short.indexOf('\r\n\r\n') + 4);
  t.true(length === null ? !body.endsWith('0\r\n\r\n') : body.length < Number(length[1]), JSON.stringify(short));
});

test.serial('a body framed by a coding other than chunked reads to the close; trailers and 1xx are dropped', async (t) => {
  t.deepEqual(responses(await roundTrip(`GET /gzip-te HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)), ['HTTP/1.1 200 OK not really gzip']);
  const out = await roundTrip(`GET /trailers HTTP/1.1\r\n${H}\r\nGET /early HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  t.deepEqual(responses(out), ['HTTP/1.1 200 OK hello world', 'HTTP/1.1 200 OK final']);
  t.notRegex(out, /x-trailer|103/i);
});

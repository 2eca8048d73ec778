/**
 * The request-smuggling corpus against a real nginx (Debian's, the reference
 * the router is held to) and both router data paths, in the same test: each
 * case is sent on a fresh connection to each proxy in front of the same
 * backend; a proxy *refuses* a case when its first answer is an error of its
 * own (or it closes without one) and no request reached the backend whole. The router
 * must refuse every case nginx refuses; where it refuses more (nginx accepts
 * bare LF line ends), the case is listed below with the reason. Through
 * the router, the backend never sees a request the client got no answer for.
 *
 * Sources: Linhart, Klein, Heled, Orrin, "HTTP Request Smuggling"
 * (Watchfire, 2005); Kettle, "HTTP Desync Attacks: Request Smuggling Reborn"
 * (PortSwigger, 2019) and "HTTP/1.1 must die" (2025); Jabiyev et al.,
 * "T-Reqs: HTTP Request Smuggling with Differential Fuzzing" (CCS 2021);
 * RFC 9112 §2.2 (bare CR/LF), §3.2 (Host), §5 (field syntax, obs-fold),
 * §6.3 (CL and TE), §7.1 (chunk grammar); nginx 1.21.1's changelog.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, freePort, type TestDatabase } from '../helpers/postgres.js';
import { putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const H = 'Host: app.localhost\r\n';
const HIDDEN = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
const POST = `POST /first HTTP/1.1\r\n${H}`;

/** [name, bytes]: every case hides a request behind its hostile part. */
const CORPUS: [string, string][] = [
  ['CL.TE', `${POST}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE.CL', `${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n${HIDDEN}\r\n0\r\n\r\n`],
  ['TE xchunked', `${POST}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE quoted', `${POST}Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE chunked, chunked', `${POST}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE identity, chunked', `${POST}Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE twice', `${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE space before colon', `${POST}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE folded', `${POST}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE leading space (first line folded)', `POST /first HTTP/1.1\r\n Transfer-Encoding: chunked\r\n${H}\r\n0\r\n\r\n${HIDDEN}`],
  ['TE after bare LF', `${POST}X-A: 1\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE with vertical tab', `${POST}Transfer-Encoding:\vchunked\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['TE on HTTP/1.0', `POST /first HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${HIDDEN}`],
  ['CL list', `${POST}Content-Length: 5, 5\r\n\r\nabcde${HIDDEN}`],
  ['CL hex', `${POST}Content-Length: 0x5\r\n\r\nabcde${HIDDEN}`],
  ['CL plus sign', `${POST}Content-Length: +5\r\n\r\nabcde${HIDDEN}`],
  ['CL negative', `${POST}Content-Length: -1\r\n\r\n${HIDDEN}`],
  ['CL overflow', `${POST}Content-Length: 99999999999999999999999\r\n\r\n${HIDDEN}`],
  ['CL duplicate, different', `${POST}Content-Length: 0\r\nContent-Length: 5\r\n\r\nabcde${HIDDEN}`],
  ['CL duplicate, same', `${POST}Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde${HIDDEN}`],
  ['CL space before colon', `${POST}Content-Length : 5\r\n\r\nabcde${HIDDEN}`],
  ['Host twice', `GET /first HTTP/1.1\r\n${H}Host: other.localhost\r\n\r\n${HIDDEN}`],
  ['no Host on HTTP/1.1', `GET /first HTTP/1.1\r\nX-A: 1\r\n\r\n${HIDDEN}`],
  ['NUL in a value', `GET /first HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n${HIDDEN}`],
  ['bare CR in a value', `GET /first HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n${HIDDEN}`],
  ['space in a name', `GET /first HTTP/1.1\r\n${H}X A: b\r\n\r\n${HIDDEN}`],
  ['bare LF ends the request line', `GET /first HTTP/1.1\n${H}\r\n${HIDDEN}`],
  ['bare LF ends a header', `GET /first HTTP/1.1\r\n${H}X-A: 1\n\r\n${HIDDEN}`],
  ['two spaces in the request line', `GET  /first HTTP/1.1\r\n${H}\r\n${HIDDEN}`],
  ['invalid method character', `G@T /first HTTP/1.1\r\n${H}\r\n${HIDDEN}`],
  ['chunk size junk', `${POST}Transfer-Encoding: chunked\r\n\r\n5x\r\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['chunk size overflow', `${POST}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['chunk size with a leading space', `${POST}Transfer-Encoding: chunked\r\n\r\n 5\r\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['chunk data longer than its size', `${POST}Transfer-Encoding: chunked\r\n\r\n3\r\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['bare LF after a chunk size', `${POST}Transfer-Encoding: chunked\r\n\r\n5\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['bare LF in a chunk extension', `${POST}Transfer-Encoding: chunked\r\n\r\n5;a\nb\r\nabcde\r\n0\r\n\r\n${HIDDEN}`],
  ['header above 64 KiB', `GET /first HTTP/1.1\r\n${H}X-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n${HIDDEN}`],
  ['CONNECT', `CONNECT app.localhost:443 HTTP/1.1\r\n${H}\r\n${HIDDEN}`],
];

/** Where the router is stricter than nginx, and why that is the safe side. */
const STRICTER_THAN_NGINX: Record<string, string> = {
  'TE after bare LF': 'nginx reads a bare LF as a line end; RFC 9112 §2.2 allows recipients to refuse it, and backends disagree on it',
  'bare LF ends the request line': 'as above',
  'bare LF ends a header': 'as above',
  'bare LF after a chunk size': 'as above, in the chunked body',
  'bare LF in a chunk extension': 'as above, in the chunked body',
};

let db: TestDatabase;
let backend: TestBackend;
let fast: TestRouter;
let proxied: TestRouter;
let nginx: ChildProcess;
let nginxPort: number;
let dir: string;
/** Request paths the backend saw complete (head and body), in order. */
const seen: string[] = [];

async function startNginx(backendPort: number): Promise<void> {
  nginxPort = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  // A reverse proxy as the router is one: keep-alive upstream, HTTP/1.1, Host passed on.
  await writeFile(conf, `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${backendPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
  }
}
`);
  nginx = spawn('nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const failed = new Promise<never>((_, reject) => nginx.once('error', (err) => reject(new Error(`nginx did not start (Debian's nginx is needed: apt-get install nginx): ${err.message}`))));
  for (let i = 0; i < 100; i++) {
    const up = await Promise.race([failed, new Promise<boolean>((r) => {
      const s = net.connect(nginxPort, '127.0.0.1', () => { s.destroy(); r(true); }).on('error', () => r(false));
    })]);
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not listen within 5 s');
}

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-desync-'));
  db = await createTestDatabase('tspaas_router_desync');
  backend = await startBackend('desync', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Bodies stream through the router: a body refused half-way reaches the backend as an aborted request, never a complete one.
    req.resume().on('end', () => { seen.push(req.url!); res.end(`saw ${req.url}\n`); });
  });
  await putRoute(db, 'app', { backends: [{ port: backend.port }] });
  await startNginx(backend.port);
  [fast, proxied] = await Promise.all([
    startRouter(db.url, { workers: 1, args: ['--data-path', 'fast'] }),
    startRouter(db.url, { workers: 1, args: ['--data-path', 'http-proxy'] }),
  ]);
});

test.after.always(async () => {
  await Promise.all([fast?.stop(), proxied?.stop()]);
  nginx?.kill('SIGQUIT');
  await backend?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** What one proxy did with one case. */
interface Outcome {
  statuses: number[];
  /** Paths the backend saw meanwhile. */
  reached: string[];
  refused: boolean;
}

/** Send `bytes` to `port` on a fresh connection; collect answers until the connection ends or goes quiet. */
async function attempt(port: number, bytes: string): Promise<Outcome> {
  const before = seen.length;
  const got = await new Promise<string>((resolve) => {
    let text = '';
    let quiet: NodeJS.Timeout | undefined;
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes, 'latin1'));
    const done = () => { clearTimeout(quiet); clearTimeout(cap); s.destroy(); resolve(text); };
    const cap = setTimeout(done, 3_000);
    s.setEncoding('latin1').on('data', (d: string) => {
      text += d;
      clearTimeout(quiet);
      quiet = setTimeout(done, 300);
    });
    s.on('close', done).on('error', () => undefined);
  });
  await new Promise((r) => setTimeout(r, 50));
  const statuses = [...got.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
  const reached = seen.slice(before);
  return { statuses, reached, refused: reached.length === 0 && (statuses.length === 0 || statuses[0] >= 400) };
}

function show(o: Outcome): string {
  return `${o.refused ? 'refused' : 'served'} [${o.statuses.join(' ')}] backend saw [${o.reached.join(' ')}]`;
}

for (const [name, bytes] of CORPUS) {
  test.serial(`desync corpus: ${name}`, async (t) => {
    const theirs = await attempt(nginxPort, bytes);
    const onFast = await attempt(fast.httpPort, bytes);
    const onProxy = await attempt(proxied.httpPort, bytes);
    t.log(`nginx: ${show(theirs)} | fast: ${show(onFast)} | http-proxy: ${show(onProxy)}`);
    for (const [path, ours] of [['fast', onFast], ['http-proxy', onProxy]] as const) {
      if (theirs.refused) t.true(ours.refused, `nginx refuses it; the ${path} path must too`);
      else if (ours.refused) t.truthy(STRICTER_THAN_NGINX[name], `the ${path} path refuses what nginx serves, and the case is not listed as stricter`);
      else t.falsy(STRICTER_THAN_NGINX[name], `listed as stricter than nginx, but the ${path} path serves it`);
      t.true(ours.reached.length <= ours.statuses.length, `through the ${path} path the backend saw a request the client got no answer for`);
    }
  });
}

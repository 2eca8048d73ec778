/**
 * Pages the router answers with itself: 400 no or several Hosts, 501
 * unknown transfer coding, 404 unknown host, 413 body too
 * large, 502 bad gateway, 503 no backends, maintenance or no route table
 * loaded yet (the router starting), 504 timeout. HTML
 * (Handlebars, compiled once per worker) for browsers, JSON when the client's
 * Accept asks for JSON rather than HTML. Only fixed sentences and the request
 * id are shown: never an address, an error message or a stack.
 */
import type http from 'node:http';
import Handlebars from 'handlebars';
import { ERROR_PAGE } from './template.js';

/** The reasons the router answers itself. */
export type PageReason = 'bad-request' | 'unknown-coding' | 'unknown-host' | 'body-too-large' | 'bad-gateway' | 'no-backends' | 'maintenance' | 'starting' | 'timeout';

interface PageText {
  status: number;
  code: string;
  title: string;
  message: string;
}

const TEXTS: Record<PageReason, PageText> = {
  'bad-request': { status: 400, code: 'bad_request', title: 'Bad request', message: 'The request has no valid Host header.' },
  'unknown-coding': { status: 501, code: 'unknown_transfer_coding', title: 'Not implemented', message: 'The request body uses a transfer coding other than chunked.' },
  'unknown-host': { status: 404, code: 'no_such_app', title: 'No such app', message: 'There is no app at this address.' },
  'body-too-large': { status: 413, code: 'body_too_large', title: 'Request too large', message: 'The request body is larger than this app accepts.' },
  'bad-gateway': { status: 502, code: 'bad_gateway', title: 'Bad gateway', message: 'The app did not answer properly. Try again in a moment.' },
  'no-backends': { status: 503, code: 'no_backends', title: 'App not running', message: 'The app has no running web processes right now.' },
  maintenance: { status: 503, code: 'maintenance', title: 'Under maintenance', message: 'The app is under maintenance. Try again later.' },
  starting: { status: 503, code: 'router_starting', title: 'Starting', message: 'The router has not loaded its routes yet. Try again in a moment.' },
  timeout: { status: 504, code: 'timeout', title: 'Gateway timeout', message: 'The app did not answer in time.' },
};

/** A rendered answer: status, headers and body. */
export interface Page {
  status: number;
  contentType: string;
  body: string;
}

/** The page renderer of one worker. */
export class ErrorPages {
  private readonly html = Handlebars.compile<PageText & { requestId: string }>(ERROR_PAGE);

  /** The page for `reason`, in the form the client's Accept header prefers. */
  render(reason: PageReason, requestId: string, accept: string | undefined): Page {
    const t = TEXTS[reason];
    if (prefersJson(accept)) {
      const body = JSON.stringify({ error: { status: t.status, code: t.code, message: t.message, request_id: requestId } });
      return { status: t.status, contentType: 'application/json; charset=utf-8', body };
    }
    return { status: t.status, contentType: 'text/html; charset=utf-8', body: this.html({ ...t, requestId }) };
  }

  /** Answer `res` with the page (or cut the connection when a response has started already). */
  send(res: http.ServerResponse, reason: PageReason, requestId: string, accept: string | undefined): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const page = this.render(reason, requestId, accept);
    res.writeHead(page.status, {
      'content-type': page.contentType, 'content-length': Buffer.byteLength(page.body),
      'cache-control': 'no-store', 'x-request-id': requestId,
    });
    res.end(page.body);
  }

  /** The page as a raw HTTP/1.1 response, for upgrade requests (the socket is closed after it). */
  raw(reason: PageReason, requestId: string, accept: string | undefined): string {
    const page = this.render(reason, requestId, accept);
    return `HTTP/1.1 ${page.status} ${TEXTS[reason].title}\r\ncontent-type: ${page.contentType}\r\n`
      + `content-length: ${Buffer.byteLength(page.body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${page.body}`;
  }
}

/** JSON when Accept names a JSON type and ranks HTML no higher (browsers always list text/html). */
function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('json')) return false;
  const html = accept.indexOf('text/html');
  return html === -1 || accept.indexOf('json') < html;
}

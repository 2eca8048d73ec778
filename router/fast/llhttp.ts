/**
 * llhttp as node itself runs it: the `HTTPParser` binding behind node's
 * http.Server and http client, reached through the `_http_common` module
 * (node 20 exposes it without a flag or a warning; `process.binding` is
 * deprecated and `internalBinding` needs --expose-internals). The fast path
 * parses request heads and backend responses with it, so what it accepts and
 * refuses is exactly what node's http.Server accepts and refuses (strict
 * mode: no lenient flags). See docs/router.md, "Fast path", for the choice.
 */
import { createRequire } from 'node:module';

/** A parse failure: llhttp's error code (`HPE_…`) and reason. */
export interface ParseError extends Error {
  code: string;
  reason: string;
  bytesParsed: number;
}

/** The native parser object (node's `HTTPParser`). Callbacks hang on it under the k* indexes. */
export interface NativeParser {
  /** `resource` is async_hooks' resource: the fast path passes the parser itself, for which node sets no owner property (a third of the call's cost). */
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes consumed (a head ended by a callback returning 2 stops there), or the error. */
  execute(data: Buffer): number | ParseError;
  /** End of input (a close-delimited body ends here). */
  finish(): number | ParseError | undefined;
  free(): void;
  close(): void;
  [callback: number]: unknown;
}

interface HttpCommon {
  HTTPParser: {
    new(): NativeParser;
    REQUEST: number;
    RESPONSE: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
  methods: string[];
}

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;

/** The parser class and its callback indexes. */
export const HTTPParser = common.HTTPParser;
/** Method names by llhttp's method number. */
export const METHODS: readonly string[] = common.methods;
/** What a head callback returns to stop the parser right after the head (llhttp's "upgrade": skip the body, pause); request and response bodies are framed by the fast path. */
export const STOP_AFTER_HEAD = 2;

/** A parse result that is an error. */
export function isParseError(r: number | ParseError | undefined): r is ParseError {
  return typeof r === 'object';
}

/** Where a request parser puts a head: the fields the head callbacks fill in. */
export interface HeadSink {
  seen: boolean;
  major: number;
  minor: number;
  method: number;
  url: string;
  /** Raw `[name, value, …]`. */
  headers: string[];
  upgrade: boolean;
  shouldKeepAlive: boolean;
}

/**
 * Make `parser` fill `sink` with each request head and stop right after it.
 * The caller empties `headers` and `url` before a new head's first bytes:
 * no message-begin callback, which would be one more call from C++ into
 * JavaScript per request.
 */
export function bindRequestParser(parser: NativeParser, sink: HeadSink): void {
  const p = parser as unknown as Record<number, unknown> & { owner: HeadSink };
  p.owner = sink;
  p[HTTPParser.kOnHeaders] = onRequestHeaders;
  p[HTTPParser.kOnHeadersComplete] = onRequestHead;
}

function ownerOf(parser: unknown): HeadSink {
  return (parser as { owner: HeadSink }).owner;
}

/** Header lines beyond llhttp's batch of 32 (or a head spread over reads) arrive here before the head callback. */
function onRequestHeaders(this: NativeParser, headers: string[], url: string): void {
  const c = ownerOf(this);
  for (const h of headers) c.headers.push(h);
  c.url += url;
}

function onRequestHead(this: NativeParser, major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined,
  _status: number, _message: string, upgrade: boolean, shouldKeepAlive: boolean): number {
  const c = ownerOf(this);
  c.seen = true;
  c.major = major;
  c.minor = minor;
  c.method = method;
  c.upgrade = upgrade;
  c.shouldKeepAlive = shouldKeepAlive;
  if (headers !== undefined) {
    if (c.headers.length === 0) c.headers = headers;
    else for (const h of headers) c.headers.push(h);
  }
  if (url !== undefined) c.url += url;
  return STOP_AFTER_HEAD;
}

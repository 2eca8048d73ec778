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
    kOnMessageBegin: number;
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
/** What a head callback returns to stop the parser right after the head (llhttp's "upgrade": skip the body, pause). */
export const STOP_AFTER_HEAD = 2;
/** What a response head callback returns for a body-less response (to HEAD). */
export const SKIP_BODY = 1;

/** A parse result that is an error. */
export function isParseError(r: number | ParseError | undefined): r is ParseError {
  return typeof r === 'object';
}

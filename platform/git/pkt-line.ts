/**
 * git's pkt-line framing (gitprotocol-common(5)) as far as the push half of
 * smart HTTP needs it (gitprotocol-pack(5), "Reference Update Request"):
 * the command list a client sends before its pack, checked byte by byte, and
 * the report-status (optionally in side-band) a refusal answers with.
 *
 *   pkt-line  = 4 hex digits of length (including themselves), then data
 *   flush-pkt = "0000"
 *   request   = *shallow  command-list  [pack]
 *   command   = old-id SP new-id SP refname  (the first one: NUL capabilities)
 */
import { invalid } from '../../lib/errors.js';
import { decodeText } from '../input.js';

/** One ref update of a push. */
export interface RefCommand {
  oldrev: string;
  newrev: string;
  /** The ref name, checked: UTF-8, no NUL or control characters, under refs/. */
  ref: string;
}

/** The command list of a push request. */
export interface PushCommands {
  commands: RefCommand[];
  /** Capabilities the client asked for (report-status, side-band-64k, quiet, …). */
  capabilities: Set<string>;
  /** Bytes of the command list, flush included: where the pack starts. */
  length: number;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Parse the command list at the start of `buf`; null while it is incomplete.
 * Invalid for anything but shallow lines and well-formed commands.
 */
export function parseCommands(buf: Buffer): PushCommands | null {
  const out: PushCommands = { commands: [], capabilities: new Set(), length: 0 };
  let pos = 0;
  for (;;) {
    if (buf.length < pos + 4) return null;
    const hex = buf.toString('latin1', pos, pos + 4);
    if (!/^[0-9a-f]{4}$/.test(hex)) throw invalid('malformed push request: expected a pkt-line length');
    const size = parseInt(hex, 16);
    if (size === 0) return { ...out, length: pos + 4 };
    if (size < 5) throw invalid(`malformed push request: pkt-line length ${hex}`);
    if (buf.length < pos + size) return null;
    parseLine(buf.subarray(pos + 4, pos + size), out);
    pos += size;
  }
}

/** One line of the command list into `out`. */
function parseLine(line: Buffer, out: PushCommands): void {
  const body = line.at(-1) === 0x0a ? line.subarray(0, -1) : line;
  if (body.toString('latin1').startsWith('shallow ')) return;
  const nul = body.indexOf(0);
  if (nul >= 0 && out.commands.length > 0) throw invalid('malformed push request: a NUL byte in a ref name');
  if (nul >= 0) capabilities(body.subarray(nul + 1)).forEach((c) => out.capabilities.add(c));
  const [oldrev, newrev, ...rest] = (nul >= 0 ? body.subarray(0, nul) : body).toString('latin1').split(' ');
  if (!OBJECT_ID.test(oldrev ?? '') || !OBJECT_ID.test(newrev ?? '') || rest.length === 0) {
    throw invalid('malformed push request: expected "<old-id> <new-id> <ref>"');
  }
  const refBytes = body.subarray(oldrev.length + newrev.length + 2, nul >= 0 ? nul : body.length);
  out.commands.push({ oldrev, newrev, ref: checkRef(refBytes) });
}

function capabilities(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  if (/[^\u0020-\u007e]/.test(text)) throw invalid('malformed push request: capabilities must be printable ASCII');
  return text.split(' ').filter((c) => c !== '');
}

/** A ref name's bytes as text: UTF-8, no NUL or control characters, under refs/. */
export function checkRef(bytes: Buffer): string {
  const ref = decodeText(bytes, 'a ref name in the push');
  if ([...ref].some((c) => c < ' ' || c === '\u007f')) throw invalid(`the ref name ${JSON.stringify(ref)} contains a control character`);
  if (!ref.startsWith('refs/') || ref.length > 1024) throw invalid(`${JSON.stringify(ref.slice(0, 100))} is not a ref name (refs/…)`);
  return ref;
}

/** `data` as one pkt-line. */
export function pkt(data: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0'), 'latin1'), bytes]);
}

export const FLUSH = Buffer.from('0000', 'latin1');

/**
 * The answer that refuses every command of a push: `message` lines on the
 * progress band (git prints them as `remote: …`) when the client asked for
 * side-band, then a report-status with `unpack <reason>` and `ng <ref> <reason>`.
 */
export function refusalReport(push: PushCommands, reason: string, message: string[]): Buffer {
  const report = Buffer.concat([pkt(`unpack ${reason}\n`), ...push.commands.map((c) => pkt(`ng ${c.ref} ${reason}\n`)), FLUSH]);
  const band = push.capabilities.has('side-band-64k') ? 65515 : push.capabilities.has('side-band') ? 995 : 0;
  if (band === 0) return report;
  const progress = message.map((line) => pkt(Buffer.concat([Buffer.from([2]), Buffer.from(`${line}\n`, 'utf8')])));
  const data: Buffer[] = [];
  for (let i = 0; i < report.length; i += band) data.push(pkt(Buffer.concat([Buffer.from([1]), report.subarray(i, i + band)])));
  return Buffer.concat([...progress, ...data, FLUSH]);
}

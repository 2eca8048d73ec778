/**
 * Incremental tar reader: feed it chunks, it calls back with whole entries
 * (PAX and GNU long-name headers applied) and their data. Synchronous, so it
 * can run inside a Transform stream at full speed.
 */
import { invalid } from '../../lib/errors.js';
import { BLOCK, decodeHeader, decodePax, entryType, type RawHeader, type TarEntry } from './tarheader.js';

/** What the reader calls, in order: `entry`, then `data` for its bytes, then `entryEnd`. */
export interface TarSink {
  entry(e: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

type State =
  | { kind: 'header' }
  | { kind: 'data'; left: number; pad: number }
  | { kind: 'meta'; header: RawHeader; parts: Buffer[]; left: number; pad: number }
  | { kind: 'skip'; left: number }
  | { kind: 'eof' };

/** Pending extended metadata that applies to the next real entry. */
interface Pending {
  pax?: Map<string, Buffer>;
  longName?: string;
  longLink?: string;
}

/** Push-driven tar parser; one instance per archive. */
export class TarReader {
  private state: State = { kind: 'header' };
  private head: Buffer[] = [];
  private headLen = 0;
  private pending: Pending = {};

  constructor(private readonly sink: TarSink) {}

  /** Feed the next chunk of the (uncompressed) archive. */
  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off = this.step(chunk, off);
  }

  /** Declare the input complete; throws when it stopped inside an entry. */
  finish(): void {
    const s = this.state;
    if (s.kind === 'eof' || (s.kind === 'header' && this.headLen === 0)) return;
    throw invalid('layer tar is truncated');
  }

  private step(chunk: Buffer, off: number): number {
    const s = this.state;
    switch (s.kind) {
      case 'eof': return chunk.length;
      case 'header': return this.readHeader(chunk, off);
      case 'skip': {
        const n = Math.min(s.left, chunk.length - off);
        s.left -= n;
        if (s.left === 0) this.state = { kind: 'header' };
        return off + n;
      }
      case 'data': return this.readData(s, chunk, off);
      case 'meta': return this.readMeta(s, chunk, off);
    }
  }

  private readHeader(chunk: Buffer, off: number): number {
    const n = Math.min(BLOCK - this.headLen, chunk.length - off);
    this.head.push(chunk.subarray(off, off + n));
    this.headLen += n;
    if (this.headLen < BLOCK) return off + n;
    const block = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head);
    this.head = [];
    this.headLen = 0;
    const raw = decodeHeader(block);
    if (raw === null) this.state = { kind: 'eof' };
    else this.onHeader(raw);
    return off + n;
  }

  private onHeader(raw: RawHeader): void {
    const pad = (BLOCK - (raw.size % BLOCK)) % BLOCK;
    if ('xgLK'.includes(raw.typeflag)) {
      this.state = { kind: 'meta', header: raw, parts: [], left: raw.size, pad };
      if (raw.size === 0) this.endMeta(this.state);
      return;
    }
    const entry = this.applyPending(raw);
    // as in Go's archive/tar (Docker's reader): only regular files carry data
    if (entry.type !== 'file') entry.size = 0;
    this.sink.entry(entry);
    this.state = { kind: 'data', left: entry.size, pad: (BLOCK - (entry.size % BLOCK)) % BLOCK };
    if (entry.size === 0) this.endData(this.state);
  }

  private readData(s: { left: number; pad: number }, chunk: Buffer, off: number): number {
    const n = Math.min(s.left, chunk.length - off);
    if (n > 0) this.sink.data(chunk.subarray(off, off + n));
    s.left -= n;
    if (s.left === 0) this.endData(s);
    return off + n;
  }

  private endData(s: { pad: number }): void {
    this.sink.entryEnd();
    this.state = s.pad > 0 ? { kind: 'skip', left: s.pad } : { kind: 'header' };
  }

  private readMeta(s: Extract<State, { kind: 'meta' }>, chunk: Buffer, off: number): number {
    const n = Math.min(s.left, chunk.length - off);
    s.parts.push(Buffer.from(chunk.subarray(off, off + n)));
    s.left -= n;
    if (s.left === 0) this.endMeta(s);
    return off + n;
  }

  private endMeta(s: Extract<State, { kind: 'meta' }>): void {
    const data = Buffer.concat(s.parts);
    const t = s.header.typeflag;
    if (t === 'x') this.pending.pax = decodePax(data);
    else if (t === 'L') this.pending.longName = cstr(data);
    else if (t === 'K') this.pending.longLink = cstr(data);
    // 'g' (global PAX) is ignored: it is never passed on, so nothing downstream sees it either
    this.state = s.pad > 0 ? { kind: 'skip', left: s.pad } : { kind: 'header' };
  }

  private applyPending(raw: RawHeader): TarEntry {
    const type = entryType(raw.typeflag);
    const p = this.pending;
    this.pending = {};
    const name = p.longName ?? raw.name;
    if (type === undefined) throw invalid(`layer entry "${display(name)}": unsupported tar entry type "${printable(raw.typeflag)}"`);
    const e: TarEntry = {
      name, type, mode: raw.mode, uid: raw.uid, gid: raw.gid, size: raw.size, mtime: raw.mtime,
      linkname: p.longLink ?? raw.linkname, devmajor: raw.devmajor, devminor: raw.devminor, xattrs: new Map(),
    };
    if (p.pax) applyPax(e, p.pax);
    // old (v7) archives mark directories by a trailing slash only
    if (e.type === 'file' && e.name.endsWith('/')) e.type = 'dir';
    return e;
  }
}

function cstr(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('latin1', 0, end === -1 ? data.length : end);
}

function paxNumber(e: TarEntry, key: string, v: Buffer): number {
  const s = v.toString('latin1');
  if (!/^-?\d+(\.\d*)?$/.test(s)) throw invalid(`layer entry "${display(e.name)}": bad PAX ${key} "${printable(s)}"`);
  return Math.floor(Number(s));
}

function applyPax(e: TarEntry, pax: Map<string, Buffer>): void {
  for (const [key, v] of pax) {
    if (key === 'path') e.name = v.toString('latin1');
    else if (key === 'linkpath') e.linkname = v.toString('latin1');
    else if (key === 'size' || key === 'uid' || key === 'gid' || key === 'mtime') e[key] = paxNumber(e, key, v);
    else if (key.startsWith('SCHILY.xattr.')) e.xattrs.set(key.slice(13), v);
    else if (key.startsWith('LIBARCHIVE.xattr.')) {
      e.xattrs.set(Buffer.from(decodeURIComponent(key.slice(17)), 'utf8').toString('latin1'), Buffer.from(v.toString('latin1'), 'base64'));
    } else if (key.startsWith('GNU.sparse.')) {
      throw invalid(`layer entry "${display(e.name)}": sparse files are not supported`);
    }
  }
}

/** A binary-string path as readable text for messages. */
export function display(name: string): string {
  return printable(Buffer.from(name, 'latin1').toString('utf8'));
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}

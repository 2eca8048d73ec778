/**
 * Byte-exact codec for single tar headers (ustar, GNU and PAX).
 *
 * Why not tar-stream here: it decodes PAX values as UTF-8, which corrupts
 * binary xattrs such as `security.capability`, and it re-encodes names that
 * are not valid UTF-8. Layer code must preserve both, so names, link names
 * and xattr keys are kept as *binary strings* (one char per byte, latin1) and
 * xattr values as Buffers, from the archive to GNU tar and back.
 */
import { invalid } from '../../lib/errors.js';

export const BLOCK = 512;

/** The entry kinds layer code deals with (GNU/PAX meta headers are folded in by the reader). */
export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One archive member, with every extended header already applied. */
export interface TarEntry {
  /** Path exactly as in the archive, as a binary string. */
  name: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for anything but regular files). */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Symlink or hardlink target, binary string; '' when none. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes (PAX `SCHILY.xattr.*`): binary-string key → raw value. */
  xattrs: Map<string, Buffer>;
}

/** A decoded header block before PAX/GNU long-name records are applied. */
export interface RawHeader {
  typeflag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink',
  '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};
const FLAGS: Record<EntryType, string> = {
  file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6',
};

/** The entry type of a typeflag, or undefined for meta and unsupported types. */
export function entryType(typeflag: string): EntryType | undefined {
  return TYPES[typeflag];
}

function cstring(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end === -1 || end > off + len ? off + len : end);
}

function number(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    // base-256 (GNU): big-endian two's complement with the top bit as marker
    let n = buf[off] & 0x7f;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = cstring(buf, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw invalid(`not a tar archive (bad number field "${s}")`);
  return parseInt(s, 8);
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum;
}

/** Decode one 512-byte header; null for an all-zero (end-of-archive) block. */
export function decodeHeader(block: Buffer): RawHeader | null {
  if (block.every((b) => b === 0)) return null;
  if (number(block, 148, 8) !== checksumOf(block)) throw invalid('not a tar archive (bad header checksum)');
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  let name = cstring(block, 0, 100);
  const prefix = posix ? cstring(block, 345, 155) : '';
  if (prefix) name = `${prefix}/${name}`;
  return {
    typeflag: String.fromCharCode(block[156]),
    name,
    linkname: cstring(block, 157, 100),
    mode: number(block, 100, 8) & 0o7777,
    uid: number(block, 108, 8),
    gid: number(block, 116, 8),
    size: number(block, 124, 12),
    mtime: number(block, 136, 12),
    devmajor: number(block, 329, 8),
    devminor: number(block, 337, 8),
  };
}

/** Parse PAX extended header records: binary-string key → raw value. */
export function decodePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    const len = space === -1 ? NaN : Number(data.toString('latin1', off, space));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length || data[off + len - 1] !== 0x0a) {
      if (data.subarray(off).every((b) => b === 0)) break;
      throw invalid('not a tar archive (malformed PAX header)');
    }
    const record = data.subarray(space + 1, off + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw invalid('not a tar archive (malformed PAX record)');
    records.set(record.toString('latin1', 0, eq), record.subarray(eq + 1));
    off += len;
  }
  return records;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), value, Buffer.from('\n')]);
  let digits = String(body.length).length;
  while (String(body.length + digits).length !== digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits), 'latin1'), body]);
}

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(`${value.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1');
}

/** The PAX records an entry needs (empty when plain ustar can hold it). */
function paxRecordsFor(e: TarEntry, name: string): Buffer[] {
  const out: Buffer[] = [];
  const wide = (s: string) => s.length > 100 || /[^\x20-\x7e]/.test(s);
  if (wide(name)) out.push(paxRecord('path', Buffer.from(name, 'latin1')));
  if (wide(e.linkname)) out.push(paxRecord('linkpath', Buffer.from(e.linkname, 'latin1')));
  if (e.size > MAX_OCTAL_12) out.push(paxRecord('size', Buffer.from(String(e.size))));
  if (e.uid > MAX_OCTAL_8) out.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (e.gid > MAX_OCTAL_8) out.push(paxRecord('gid', Buffer.from(String(e.gid))));
  if (e.mtime < 0 || e.mtime > MAX_OCTAL_12) out.push(paxRecord('mtime', Buffer.from(String(e.mtime))));
  for (const [key, value] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(paxRecord(`SCHILY.xattr.${key}`, value));
  }
  return out;
}

function ustarBlock(e: TarEntry, name: string, typeflag: string, size: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name.slice(0, 100), 0, 100, 'latin1');
  octal(b, 100, 8, e.mode & 0o7777);
  octal(b, 108, 8, Math.min(e.uid, MAX_OCTAL_8));
  octal(b, 116, 8, Math.min(e.gid, MAX_OCTAL_8));
  octal(b, 124, 12, Math.min(size, MAX_OCTAL_12));
  octal(b, 136, 12, Math.max(0, Math.min(e.mtime, MAX_OCTAL_12)));
  b.write(typeflag, 156, 1, 'latin1');
  b.write(e.linkname.slice(0, 100), 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  octal(b, 329, 8, e.devmajor);
  octal(b, 337, 8, e.devminor);
  b.write(`${checksumOf(b).toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/**
 * Encode the header(s) of an entry: a PAX header when ustar cannot hold the
 * name, numbers or xattrs, then the ustar header. Deterministic: the same
 * entry always gives the same bytes (no atime/ctime, no user/group names).
 * Directory names get a trailing slash.
 */
export function encodeHeader(e: TarEntry): Buffer {
  const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  const records = paxRecordsFor(e, name);
  const main = ustarBlock(e, name, FLAGS[e.type], e.size);
  if (records.length === 0) return main;
  const data = Buffer.concat(records);
  const paxEntry: TarEntry = { ...e, name: 'PaxHeader', linkname: '', mode: 0o644, uid: 0, gid: 0, devmajor: 0, devminor: 0 };
  return Buffer.concat([ustarBlock(paxEntry, 'PaxHeader', 'x', data.length), data, padding(data.length), main]);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

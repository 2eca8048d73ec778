/**
 * `busybox:latest` from Debian's busybox-static: the static /bin/busybox in a
 * minimal rootfs with a /bin/<applet> link for every applet it has, root and
 * nobody in /etc/passwd and /etc/group, /tmp (1777), /root, and the mount
 * points /proc /sys /dev.
 *
 * The tar is deterministic: entries sorted by name, owned by 0:0, every
 * mtime (and the image's `created`) set to the busybox binary's own mtime,
 * which dpkg takes from the package. The same installed package therefore
 * always gives the same layer, the same config and the same image ID.
 */
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { run } from '../../lib/exec.js';
import { unavailable } from '../../lib/errors.js';
import { findBinary } from '../../lib/binaries.js';
import type { OnProgress } from '../types.js';
import type { BaseImageBuild, BaseImageBuilder } from './types.js';

/** One entry of the rootfs tar. */
export interface RootfsEntry {
  name: string;
  type: 'directory' | 'file' | 'symlink';
  mode: number;
  data?: Buffer;
  linkname?: string;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';
const DIRS: [string, number][] = [
  ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o555], ['root', 0o700],
  ['sys', 0o555], ['tmp', 0o1777], ['usr', 0o755], ['var', 0o755],
];

export const busyboxBuilder: BaseImageBuilder = {
  name: 'busybox:latest',
  description: "Debian's busybox-static",
  packages: ['busybox-static'],
  build: buildBusybox,
};

/** Produce the busybox image from the host's static busybox. */
async function buildBusybox(onProgress: OnProgress): Promise<BaseImageBuild> {
  const binary = await findBinary('busybox');
  if (!binary) throw unavailable('busybox is not installed; install it with "apt-get install busybox-static"');
  const data = await fsp.readFile(binary);
  if (!isStaticElf(data)) throw unavailable(`${binary} is not statically linked; install it with "apt-get install busybox-static"`);
  const [version, applets, st] = await Promise.all([busyboxVersion(binary), listApplets(binary), fsp.stat(binary)]);
  onProgress({ status: `Packing ${version} with ${applets.length} applets` });
  const mtime = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  const layer = packRootfs(busyboxEntries(data, applets), mtime);
  return {
    layer,
    done: Promise.resolve(),
    config: { Env: [`PATH=${PATH}`], Cmd: ['sh'] },
    created: mtime.toISOString(),
    history: {
      created: mtime.toISOString(),
      created_by: `tspaas: ${binary} (${version}) and a link per applet`,
      comment: "built locally by tspaas from Debian's busybox-static",
    },
  };
}

/** The rootfs entries, sorted by name. */
export function busyboxEntries(binary: Buffer, applets: string[]): RootfsEntry[] {
  const entries: RootfsEntry[] = DIRS.map(([name, mode]) => ({ name: `${name}/`, type: 'directory', mode }));
  entries.push({ name: 'bin/busybox', type: 'file', mode: 0o755, data: binary });
  for (const a of new Set(applets)) {
    if (a !== 'busybox') entries.push({ name: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox' });
  }
  entries.push({ name: 'etc/passwd', type: 'file', mode: 0o644, data: Buffer.from(PASSWD) });
  entries.push({ name: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from(GROUP) });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Write entries as a tar with fixed owners and times. */
export function packRootfs(entries: RootfsEntry[], mtime: Date): Readable {
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type, mode: e.mode, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root', linkname: e.linkname };
    pack.entry(header, e.data ?? Buffer.alloc(0));
  }
  pack.finalize();
  return Readable.from(pack); // tar-stream's pack is a streamx stream; hand out a Node one
}

/** Applet names, one per line of `busybox --list`; only plain names are kept. */
async function listApplets(binary: string): Promise<string[]> {
  const { stdout } = await run(binary, ['--list']);
  return stdout.split('\n').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9_.[\]-]+$/.test(s) && s !== '.' && s !== '..');
}

/** "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3)" from the first line of `busybox --help`. */
async function busyboxVersion(binary: string): Promise<string> {
  const { stdout } = await run(binary, ['--help'], { allowFailure: true });
  return /^(BusyBox v\S+(?: \([^)]*\))?)/m.exec(stdout)?.[1] ?? 'BusyBox';
}

/** True for an ELF executable without a program interpreter (PT_INTERP), i.e. statically linked. */
export function isStaticElf(b: Buffer): boolean {
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const phoff = is64 ? Number(le ? b.readBigUInt64LE(0x20) : b.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (u32(at) === 3) return false; // PT_INTERP
  }
  return true;
}

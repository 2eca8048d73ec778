/**
 * `--chown=user[:group]` of COPY/ADD: numbers as they are, names looked up
 * in the build container's own /etc/passwd and /etc/group. A user without a
 * group gets the same number as gid (Docker's rule).
 */
import tarStream from 'tar-stream';
import { invalid, isKind } from '../../lib/errors.js';
import type { Build } from './state.js';

/** The first file of a tar stream, as text (bounded). */
async function firstFileText(tar: NodeJS.ReadableStream): Promise<string> {
  const extract = tarStream.extract();
  let text = '';
  tar.pipe(extract);
  for await (const entry of extract) {
    for await (const chunk of entry) if (text.length < 4 << 20) text += (chunk as Buffer).toString('utf8');
  }
  return text;
}

async function readFileIn(b: Build, id: string, file: string): Promise<string> {
  try {
    return await firstFileText((await b.deps.engine.getArchive(id, file)).tar);
  } catch (err) {
    if (isKind(err, 'NotFound')) return '';
    throw err;
  }
}

/** `name:x:uid:gid…` lines → the number of the entry named `name` (field 2 for passwd/group). */
function lookup(text: string, name: string): number | null {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length > 2 && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return null;
}

/** Resolve `spec` inside container `id`. */
export async function readOwner(b: Build, id: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':');
  const uid = /^\d+$/.test(user) ? Number(user) : lookup(await readFileIn(b, id, '/etc/passwd'), user);
  if (uid === null) throw invalid(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
  if (group === undefined || group === '') return { uid, gid: uid };
  const gid = /^\d+$/.test(group) ? Number(group) : lookup(await readFileIn(b, id, '/etc/group'), group);
  if (gid === null) throw invalid(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  return { uid, gid };
}

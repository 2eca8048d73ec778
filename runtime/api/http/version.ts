/** API versions: the `/v1.NN` path prefix and the range this server speaks. */
import { invalid } from '../../../lib/errors.js';

/** The version advertised by /_ping and /version. */
export const API_VERSION = '1.44';
/** The oldest version a client may ask for. */
export const MIN_API_VERSION = '1.24';

const PREFIX = /^\/v(\d+\.\d+)(?=\/)/;

/** Split `/v1.44/containers/json` into version "1.44" and path "/containers/json"; unprefixed paths get the server's version. */
export function splitVersion(pathname: string): { version: string; path: string } {
  const m = PREFIX.exec(pathname);
  if (!m) return { version: API_VERSION, path: pathname };
  checkVersion(m[1]!);
  return { version: m[1]!, path: pathname.slice(m[0].length) };
}

/** Compare dotted versions numerically: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function checkVersion(v: string): void {
  if (compareVersions(v, API_VERSION) > 0) {
    throw invalid(`client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(v, MIN_API_VERSION) < 0) {
    throw invalid(`client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
}

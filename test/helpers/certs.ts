/** Self-signed certificates for the domain and TLS tests, made by openssl. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** A self-signed P-256 certificate for `names` (the first is the CN), its files written under `dir` as `<name>.crt|key`. */
export async function selfSignedCert(dir: string, name: string, names: string[]): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '30', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

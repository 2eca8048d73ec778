/**
 * Detach keys: a key sequence typed on an attached terminal that detaches
 * the client while the process keeps running (`docker attach`, `docker exec
 * -it`; default ctrl-p ctrl-q). As in Docker, they apply only when the
 * process has a terminal; without one every byte is the process's input.
 *
 * The format is Docker's (moby/term `ToBytes`): keys separated by commas,
 * each a single character, `ctrl-<c>` for c in `@ a…z [ \ ] ^ _`, or `DEL`.
 */
import { invalid } from '../../lib/errors.js';

/** ctrl-p ctrl-q, Docker's default. */
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/** Parse a detach-key spec ("ctrl-p,ctrl-q"); `what` names the option in the error. Empty or absent: the default. */
export function parseDetachKeys(spec: string | undefined, what = 'detach keys'): Buffer {
  if (!spec) return DEFAULT_DETACH_KEYS;
  const codes = spec.split(',').map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    if (key === 'DEL') return 127;
    const m = /^ctrl-(.)$/.exec(key);
    const code = m ? CTRL.indexOf(m[1]!) : -1;
    if (code < 0) throw invalid(`Invalid ${what} (${spec}) provided: unknown character '${key}'`);
    return code;
  });
  return Buffer.from(codes);
}

/**
 * Watches input for the detach sequence (moby/term's escape proxy): the
 * bytes of a partial match are held back and passed on once the match
 * breaks (with the byte that broke it); a complete match ends the input.
 */
export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to pass on of `chunk`, and whether the sequence completed (what follows it is dropped). */
  scan(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched += 1;
        if (this.matched === this.keys.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      // The held bytes were input after all; as in moby, this byte does not start a new match.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      out.push(byte);
    }
    return { pass: Buffer.from(out), detach: false };
  }
}

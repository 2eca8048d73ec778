/** Docker-style generated names: `adjective_scientist`. */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'admiring', 'brave', 'clever', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'inspiring', 'jolly',
  'keen', 'loving', 'modest', 'nifty', 'optimistic', 'practical', 'quirky', 'relaxed', 'serene', 'tender',
  'upbeat', 'vibrant', 'wizardly', 'youthful', 'zealous', 'bold', 'calm', 'determined', 'elegant', 'friendly',
];
const SURNAMES = [
  'lovelace', 'turing', 'hopper', 'curie', 'noether', 'ritchie', 'thompson', 'torvalds', 'knuth', 'dijkstra',
  'hamilton', 'goldberg', 'liskov', 'perlman', 'shannon', 'babbage', 'kay', 'lamport', 'mccarthy', 'wozniak',
  'allen', 'bell', 'cerf', 'diffie', 'engelbart', 'feynman', 'galois', 'hellman', 'johnson', 'kepler',
];

/** A random name that `isFree` accepts (adds a digit suffix on collisions, as Docker does). */
export function generateName(isFree: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    const name = i < 10 ? base : `${base}${randomInt(100)}`;
    if (isFree(name)) return name;
  }
}

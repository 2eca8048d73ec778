/**
 * Variable substitution with Docker's rules (BuildKit's shell lexer):
 * `$VAR`, `${VAR}`, `${VAR:-default}` / `${VAR-default}` (unset or empty /
 * unset), `${VAR:+alt}` / `${VAR+alt}`, `${VAR:?message}` / `${VAR?message}`,
 * `${VAR#pattern}`, `${VAR##pattern}`, `${VAR%pattern}`, `${VAR%%pattern}`.
 * Single quotes keep everything literal; double quotes group words and allow
 * substitution; the escape character makes the next character literal
 * (inside double quotes only before `"`, `$` and itself). Quotes are removed
 * from the result. Unknown variables expand to nothing.
 */
import { invalid } from '../../../lib/errors.js';

/** Variables visible to substitution: undefined = unset. */
export type Lookup = (name: string) => string | undefined;

/** Lookup over a plain record. */
export function lookupIn(vars: Record<string, string | undefined>): Lookup {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

class Lexer {
  i = 0;
  constructor(readonly s: string, readonly lookup: Lookup, readonly escape: string) {}

  peek(): string { return this.s[this.i] ?? ''; }
  next(): string { return this.s[this.i++] ?? ''; }
  done(): boolean { return this.i >= this.s.length; }

  /** Until `stop` (not consumed) or the end. */
  word(stop = ''): string {
    let out = '';
    while (!this.done() && !stop.includes(this.peek())) {
      const c = this.next();
      if (c === this.escape) out += this.done() ? c : this.next();
      else if (c === "'") out += this.single();
      else if (c === '"') out += this.double();
      else if (c === '$') out += this.dollar();
      else out += c;
    }
    return out;
  }

  single(): string {
    const end = this.s.indexOf("'", this.i);
    if (end < 0) throw invalid('unexpected end of statement while looking for matching single-quote');
    const out = this.s.slice(this.i, end);
    this.i = end + 1;
    return out;
  }

  double(): string {
    let out = '';
    for (;;) {
      if (this.done()) throw invalid('unexpected end of statement while looking for matching double-quote');
      const c = this.next();
      if (c === '"') return out;
      if (c === '$') out += this.dollar();
      else if (c === this.escape && ['"', '$', this.escape].includes(this.peek())) out += this.next();
      else out += c;
    }
  }

  dollar(): string {
    if (this.peek() === '{') {
      this.next();
      return this.braced();
    }
    const name = this.name();
    if (!name) return '$';
    return this.lookup(name) ?? '';
  }

  name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.s.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return m[0];
  }

  braced(): string {
    const name = this.name();
    if (!name) throw invalid(`bad substitution: missing variable name in "${this.s}"`);
    const value = this.lookup(name);
    if (this.peek() === '}') {
      this.next();
      return value ?? '';
    }
    const op = /^(:-|:\+|:\?|-|\+|\?|##|#|%%|%)/.exec(this.s.slice(this.i))?.[0];
    if (!op) throw invalid(`unsupported modifier (${this.peek()}) in substitution: "${this.s}"`);
    this.i += op.length;
    const word = this.word('}');
    if (this.next() !== '}') throw invalid(`missing '}' in substitution: "${this.s}"`);
    return applyModifier(name, value, op, word);
  }
}

function applyModifier(name: string, value: string | undefined, op: string, word: string): string {
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  switch (op) {
    case ':-': return nonEmpty ? value : word;
    case '-': return set ? value : word;
    case ':+': return nonEmpty ? word : '';
    case '+': return set ? word : '';
    case ':?': if (!nonEmpty) throw invalid(`${name}: ${word || 'is not allowed to be unset'}`); return value;
    case '?': if (!set) throw invalid(`${name}: ${word || 'is not allowed to be unset'}`); return value;
    default: return trimPattern(value ?? '', op, word);
  }
}

/** `#`/`##` (shortest/longest prefix) and `%`/`%%` (suffix) removal with a glob pattern. */
function trimPattern(value: string, op: string, pattern: string): string {
  const glob = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const lens = [...Array(value.length + 1).keys()];
  const order = op === '#' || op === '%' ? lens : lens.reverse();
  const re = new RegExp(`^${glob}$`, 's');
  for (const n of order) {
    if (op.startsWith('#') && re.test(value.slice(0, n))) return value.slice(n);
    if (op.startsWith('%') && re.test(value.slice(value.length - n))) return value.slice(0, value.length - n);
  }
  return value;
}

/** Substitute variables in one word and remove its quotes and escapes. */
export function processWord(word: string, lookup: Lookup, escape = '\\'): string {
  return new Lexer(word, lookup, escape).word();
}

/**
 * Split on blanks outside quotes (quotes and escapes kept in the words, as
 * BuildKit's parseWords does), e.g. for COPY's sources and ENV's pairs.
 */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (!quote && /\s/.test(c)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += c + text[++i];
      continue;
    }
    if (quote && c === quote) quote = '';
    else if (!quote && (c === '"' || c === "'")) quote = c;
    word += c;
  }
  if (word) words.push(word);
  return words;
}

/** Split then substitute each word. */
export function processWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  return splitWords(text, escape).map((w) => processWord(w, lookup, escape));
}

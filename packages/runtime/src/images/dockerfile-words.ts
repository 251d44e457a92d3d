/**
 * @module images/dockerfile-words
 * Pure Dockerfile lexing shared by `--change` handling and (later) the builder, ported from
 * BuildKit's frontend/dockerfile/parser and shell lexer:
 * - splitInstructions: lines → `{name, flags, args, original}` (comments, blank lines and `\`
 *   continuations handled; `name` lowercased as BuildKit does);
 * - splitWords: BuildKit's parseWords (quotes kept, for KEY=VALUE lists);
 * - processWord: shell-style word processing (quote removal, `\` escapes, `$VAR`/`${VAR:-x}`);
 * - parseJsonArgs: the exec (JSON array) form; parseDuration: Go durations in nanoseconds.
 */
import { errors } from '../errors/engine-error.js';

export const ESCAPE = '\\';

export interface RawInstruction {
  /** Lowercased instruction word: `cmd`, `env`… */
  name: string;
  /** Leading `--flag=value` words. */
  flags: Map<string, string>;
  /** Everything after the name and flags, trimmed. */
  args: string;
  /** The instruction text as written, continuations joined. */
  original: string;
}

/** Splits Dockerfile text into instructions. */
export function splitInstructions(text: string): RawInstruction[] {
  const out: RawInstruction[] = [];
  let pending = '';
  for (const rawLine of text.split(/\r?\n/)) {
    if (pending === '' && /^\s*#/.test(rawLine)) continue;
    if (pending !== '' && /^\s*(#.*)?$/.test(rawLine)) continue; // comments/blank lines inside continuations
    const cont = /\\\s*$/.exec(rawLine);
    if (cont) {
      pending += rawLine.slice(0, cont.index);
      continue;
    }
    const line = (pending + rawLine).trim();
    pending = '';
    if (line !== '') out.push(parseInstructionLine(line));
  }
  if (pending.trim() !== '') out.push(parseInstructionLine(pending.trim()));
  return out;
}

/** Parses one (already joined) instruction line. */
export function parseInstructionLine(line: string): RawInstruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(line.trim());
  if (!m) throw errors.invalid('file with no instructions');
  const name = m[1].toLowerCase();
  let rest = m[2];
  const flags = new Map<string, string>();
  // BuildKit extracts `--name[=value]` words before the arguments.
  for (;;) {
    const f = /^--([A-Za-z0-9-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!f) break;
    flags.set(f[1], f[2] ?? '');
    rest = rest.slice(f[0].length);
  }
  return { name, flags, args: rest.trim(), original: line.trim() };
}

/** BuildKit parseWords: split on whitespace outside quotes, keeping quotes and escapes in the words. */
export function splitWords(rest: string): string[] {
  const words: string[] = [];
  let word = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOk = false;
  const chars = [...rest];
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? '';
    const atEnd = pos === chars.length;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (/\s/.test(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOk || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === ESCAPE) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos];
      }
      word += ch;
      continue;
    }
    // phase === 'quote'
    if (ch === quote) phase = 'word';
    if (ch === ESCAPE && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++pos];
    }
    word += ch;
  }
  return words;
}

/** Splits on plain whitespace (BuildKit parseStringsWhitespaceDelimited). */
export function splitWhitespace(rest: string): string[] {
  return rest.split(/[\t\v\f\r\n ]+/).filter((w) => w !== '');
}

export type EnvLookup = (name: string) => string | undefined;

/** Lookup over a `KEY=value` list; the last definition wins. */
export function envLookup(env: readonly string[] | undefined): EnvLookup {
  const map = new Map<string, string>();
  for (const kv of env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) map.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return (name) => map.get(name);
}

/**
 * Shell-like processing of one word (BuildKit shell.Lex.ProcessWord): removes quotes, applies
 * escapes outside single quotes and expands `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`,
 * `${VAR:+w}`, `${VAR+w}`, `${VAR:?msg}`, `${VAR?msg}`. Whitespace is preserved.
 */
export function processWord(word: string, lookup: EnvLookup): string {
  const lx = new Lexer([...word], lookup);
  return lx.run();
}

class Lexer {
  private pos = 0;
  constructor(private readonly s: string[], private readonly lookup: EnvLookup) {}

  run(stop?: string): string {
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos];
      if (stop !== undefined && ch === stop) return out;
      this.pos++;
      if (ch === "'") out += this.single();
      else if (ch === '"') out += this.double();
      else if (ch === '$') out += this.dollar();
      else if (ch === ESCAPE) {
        if (this.pos < this.s.length) out += this.s[this.pos++];
      } else out += ch;
    }
    return out;
  }

  private single(): string {
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== "'") out += this.s[this.pos++];
    if (this.pos >= this.s.length) throw errors.invalid('unexpected end of statement while looking for matching single-quote');
    this.pos++;
    return out;
  }

  private double(): string {
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== '"') {
      const ch = this.s[this.pos++];
      if (ch === '$') out += this.dollar();
      else if (ch === ESCAPE && this.pos < this.s.length && ['"', '$', ESCAPE].includes(this.s[this.pos])) out += this.s[this.pos++];
      else out += ch;
    }
    if (this.pos >= this.s.length) throw errors.invalid('unexpected end of statement while looking for matching double-quote');
    this.pos++;
    return out;
  }

  private dollar(): string {
    const ch = this.s[this.pos];
    if (ch === '{') {
      this.pos++;
      const name = this.name();
      if (name === '') throw errors.invalid('bad substitution');
      const op = this.operator();
      if (op === '') {
        this.expect('}');
        return this.lookup(name) ?? '';
      }
      const word = this.run('}');
      this.expect('}');
      const value = this.lookup(name);
      const unset = value === undefined;
      const empty = unset || value === '';
      switch (op) {
        case ':-': return empty ? word : value!;
        case '-': return unset ? word : value!;
        case ':+': return empty ? '' : word;
        case '+': return unset ? '' : word;
        case ':?':
        case '?':
          if (op === ':?' ? empty : unset) throw errors.invalid(`${name}: ${word || 'is not allowed to be unset'}`);
          return value!;
        default: throw errors.invalid(`unsupported modifier (${op}) in substitution`);
      }
    }
    const name = this.name();
    if (name === '') return '$';
    return this.lookup(name) ?? '';
  }

  private name(): string {
    let n = '';
    if (this.pos < this.s.length && /[0-9]/.test(this.s[this.pos])) return this.s[this.pos++]; // $1 style
    while (this.pos < this.s.length && /[A-Za-z0-9_]/.test(this.s[this.pos])) n += this.s[this.pos++];
    return n;
  }

  private operator(): string {
    const c = this.s[this.pos];
    if (c === ':' && ['-', '+', '?'].includes(this.s[this.pos + 1])) {
      this.pos += 2;
      return `:${this.s[this.pos - 1]}`;
    }
    if (c === '-' || c === '+' || c === '?') {
      this.pos++;
      return c;
    }
    if (c !== '}' && c !== undefined) {
      // `%`, `#`, `/` forms are not supported (yet); fail loudly rather than mis-expand.
      throw errors.invalid(`unsupported modifier (${c}) in substitution`);
    }
    return '';
  }

  private expect(c: string): void {
    if (this.s[this.pos] !== c) throw errors.invalid(`missing '${c}' in substitution`);
    this.pos++;
  }
}

/** The exec form `["a", "b"]`; undefined when `rest` is not a JSON array of strings (→ shell form). */
export function parseJsonArgs(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return undefined;
  return v as string[];
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go time.ParseDuration, in nanoseconds: `30s`, `1m30s`, `1.5h`, `500ms`, `0`. */
export function parseDuration(s: string): number {
  const invalid = () => errors.invalid(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  while (rest !== '') {
    const m = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') throw invalid();
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

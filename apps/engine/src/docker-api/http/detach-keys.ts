/**
 * @module docker-api/http/detach-keys
 * Detach sequences for TTY attach/exec (moby/term ToBytes + EscapeProxy; daemon
 * container/stream/attach.go copyEscapable). Keys are comma-separated: a single character or
 * `ctrl-<a-z @ [ \ ] ^ _>`. The default is ctrl-p,ctrl-q. When the whole sequence is read from the
 * client, the session is detached (the container keeps running); a partial match is held back and
 * replayed if the next byte breaks the sequence.
 */
import { errors } from '@berth/runtime';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL_SPECIAL: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 };

/** Parses a detach-keys spec; "" means the default. Docker's 400 wording on a bad spec. */
export function parseDetachKeys(spec: string | undefined | null): Buffer {
  const s = spec === undefined || spec === null || spec === '' ? DEFAULT_DETACH_KEYS : spec;
  const codes: number[] = [];
  for (const key of s.split(',')) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    const ch = m?.[1]?.toLowerCase();
    if (ch && ch >= 'a' && ch <= 'z') codes.push(ch.charCodeAt(0) - 96);
    else if (ch !== undefined && CTRL_SPECIAL[ch] !== undefined) codes.push(CTRL_SPECIAL[ch]!);
    else throw errors.invalid(`Invalid detach keys (${s}) provided`);
  }
  return Buffer.from(codes);
}

export interface EscapeResult {
  /** Bytes to forward to the process. */
  data: Buffer;
  /** The full sequence was read: detach now and drop whatever followed it. */
  detached: boolean;
}

/** Stateful scanner over the client's stdin bytes. */
export class EscapeDetector {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  feed(chunk: Buffer): EscapeResult {
    if (this.keys.length === 0) return { data: chunk, detached: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { data: Buffer.from(out), detached: true };
        continue;
      }
      // Replay the withheld prefix, then re-test this byte as a possible new start.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (b === this.keys[0]) {
        this.matched = 1;
        if (this.keys.length === 1) return { data: Buffer.from(out), detached: true };
      } else {
        out.push(b);
      }
    }
    return { data: Buffer.from(out), detached: false };
  }
}

/**
 * @module web/osc-filter
 * Removes OSC 52 (clipboard) sequences from terminal output before it reaches any browser (T42):
 * `ESC ] 52 ; … (BEL | ESC \)`, also in the 8-bit form `0x9d 52 ; …`. Streaming: a sequence may be
 * split across chunks, so the filter keeps a small state between calls. Other OSC sequences
 * (titles, hyperlinks) pass through unchanged. An unterminated OSC 52 is dropped up to `maxDrop`
 * bytes, then the filter resyncs so a hostile stream cannot blank the terminal forever.
 */
const ESC = 0x1b;
const BEL = 0x07;
const OSC8 = 0x9d;
const PREFIX = Buffer.from('52;');

type State = 'text' | 'esc' | 'prefix' | 'drop' | 'drop-esc';

export class Osc52Filter {
  private state: State = 'text';
  /** Bytes of a possible OSC 52 introducer held back until we know (ESC ] 5 2). */
  private held: number[] = [];
  private matched = 0;
  private dropped = 0;

  constructor(private readonly maxDrop = 1 << 20) {}

  push(chunk: Buffer): Buffer {
    const out: number[] = [];
    let start = 0;
    const flushText = (end: number) => { for (let j = start; j < end; j++) out.push(chunk[j]!); };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case 'text':
          if (b === ESC) { flushText(i); this.held = [b]; this.state = 'esc'; }
          else if (b === OSC8) { flushText(i); this.held = [b]; this.matched = 0; this.state = 'prefix'; }
          else continue;
          start = i + 1;
          break;
        case 'esc':
          if (b === 0x5d) { this.held.push(b); this.matched = 0; this.state = 'prefix'; }
          else { out.push(...this.held, b); this.held = []; this.state = b === ESC ? this.reEsc(out) : 'text'; }
          start = i + 1;
          break;
        case 'prefix':
          if (b === PREFIX[this.matched]) {
            this.held.push(b);
            if (++this.matched === PREFIX.length) { this.held = []; this.dropped = 0; this.state = 'drop'; }
          } else {
            out.push(...this.held); this.held = [];
            if (b === ESC) { this.held = [b]; this.state = 'esc'; } else { out.push(b); this.state = 'text'; }
          }
          start = i + 1;
          break;
        case 'drop':
        case 'drop-esc':
          if (b === BEL || (this.state === 'drop-esc' && b === 0x5c) || b === 0x9c) this.state = 'text';
          else this.state = b === ESC ? 'drop-esc' : 'drop';
          if (this.state !== 'text' && ++this.dropped > this.maxDrop) this.state = 'text';
          start = i + 1;
          break;
      }
    }
    if (this.state === 'text') flushText(chunk.length);
    if (out.length === chunk.length && start === 0) return chunk;
    return Buffer.from(out);
  }

  // ESC ESC: the first is output, the second may start a sequence.
  private reEsc(out: number[]): State { out.pop(); this.held = [ESC]; return 'esc'; }
}

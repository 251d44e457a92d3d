/**
 * @module web/scrollback
 * A byte ring of a terminal's recent output (default 256 KiB): what a new watcher sees first.
 * Chunks are kept as they came and trimmed from the front, so pushes are O(1) amortised.
 */
export class Scrollback {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly capacity = 256 * 1024) {}

  push(b: Buffer): void {
    if (b.length === 0) return;
    if (b.length >= this.capacity) { this.chunks = [b.subarray(b.length - this.capacity)]; this.size = this.capacity; return; }
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.capacity) {
      const head = this.chunks[0]!;
      const over = this.size - this.capacity;
      if (head.length <= over) { this.chunks.shift(); this.size -= head.length; }
      else { this.chunks[0] = head.subarray(over); this.size -= over; }
    }
  }

  get length(): number { return this.size; }

  snapshot(): Buffer { return Buffer.concat(this.chunks, this.size); }
}

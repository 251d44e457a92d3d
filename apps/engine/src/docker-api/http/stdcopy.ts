/**
 * @module docker-api/http/stdcopy
 * Docker's stream multiplexing (moby pkg/stdcopy), used by non-TTY attach, exec and logs:
 * each frame is an 8-byte header `[stream, 0, 0, 0, size(uint32 BE)]` followed by `size` bytes.
 * Stream ids: 0 stdin, 1 stdout, 2 stderr, 3 systemerr (an error message from the daemon).
 * The reader exists for tests and for any in-process consumer of a multiplexed body.
 */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;
export type StdStreamId = typeof STDIN | typeof STDOUT | typeof STDERR | typeof SYSTEMERR;

const HEADER_LEN = 8;
/** Frames are split so one header never announces more than this; keeps readers' buffers small. */
const MAX_FRAME = 32 * 1024;

export function streamId(stream: 'stdout' | 'stderr'): StdStreamId {
  return stream === 'stdout' ? STDOUT : STDERR;
}

/** One or more frames carrying `data` on `stream` (empty data yields no frame). */
export function frame(stream: StdStreamId, data: Buffer): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_FRAME) {
    const chunk = data.subarray(off, Math.min(off + MAX_FRAME, data.length));
    const header = Buffer.alloc(HEADER_LEN);
    header[0] = stream;
    header.writeUInt32BE(chunk.length, 4);
    parts.push(header, chunk);
  }
  return Buffer.concat(parts);
}

export interface Frame {
  stream: StdStreamId;
  data: Buffer;
}

/** Incremental demultiplexer: feed arbitrary chunks, get whole frames back. */
export class StdcopyReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.pending.length >= HEADER_LEN) {
      const stream = this.pending[0]!;
      if (stream > SYSTEMERR) throw new Error(`stdcopy: unrecognized stream id ${stream}`);
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_LEN + size) break;
      out.push({ stream: stream as StdStreamId, data: this.pending.subarray(HEADER_LEN, HEADER_LEN + size) });
      this.pending = this.pending.subarray(HEADER_LEN + size);
    }
    return out;
  }

  /** Bytes of an incomplete trailing frame (non-zero at end of stream means truncation). */
  get buffered(): number {
    return this.pending.length;
  }
}

/** Demultiplexes a whole body: concatenated payload per stream. */
export function demux(body: Buffer): { stdout: Buffer; stderr: Buffer; systemerr: Buffer; frames: Frame[] } {
  const reader = new StdcopyReader();
  const frames = reader.push(body);
  if (reader.buffered) throw new Error(`stdcopy: ${reader.buffered} trailing bytes of a truncated frame`);
  const pick = (id: StdStreamId) => Buffer.concat(frames.filter((f) => f.stream === id).map((f) => f.data));
  return { stdout: pick(STDOUT), stderr: pick(STDERR), systemerr: pick(SYSTEMERR), frames };
}

/**
 * Coalesces many small writes of one stream into few large frames. Logs arrive one line at a
 * time; a frame per line makes every client do a syscall per line (the docker CLI then tops out
 * near 14 MiB/s here). Data is flushed when a frame fills, the stream changes, or the producer
 * pauses (setImmediate), so a followed log still shows each line at once.
 */
export class FrameBatcher {
  private parts: Buffer[] = [];
  private size = 0;
  private stream: StdStreamId = STDOUT;
  private scheduled: NodeJS.Immediate | undefined;

  /** `raw` (TTY): no framing, just batching. */
  constructor(private readonly emit: (buf: Buffer) => void, private readonly raw: boolean, private readonly limit = MAX_FRAME) {}

  push(stream: StdStreamId, data: Buffer): void {
    if (data.length === 0) return;
    if (this.size && (stream !== this.stream || this.size + data.length > this.limit)) this.flush();
    this.stream = stream;
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= this.limit) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) { clearImmediate(this.scheduled); this.scheduled = undefined; }
    if (!this.size) return;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.emit(this.raw ? data : frame(this.stream, data));
  }
}

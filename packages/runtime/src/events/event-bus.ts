/**
 * @module events/event-bus
 * Engine events (Docker's `Type`/`Action`/`Actor`) in a ring buffer; `subscribe` replays from the
 * buffer, then follows live with no gap (snapshot and registration happen in one synchronous step).
 */
import { AsyncQueue } from '../util/async-queue.js';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

export interface EngineEvent {
  seq: number;
  /** nanoseconds since the epoch, as Docker's `timeNano` */
  timeNano: bigint;
  type: EventType;
  action: string;
  actor: { id: string; attributes: Record<string, string> };
}

export interface EventFilterFn { (e: EngineEvent): boolean }

export class EventBus {
  private readonly ring: EngineEvent[] = [];
  private readonly subs = new Set<{ q: AsyncQueue<EngineEvent>; filter: EventFilterFn }>();
  private seq = 0;

  constructor(private readonly capacity = 4096) {}

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const ms = BigInt(Date.now());
    const e: EngineEvent = { seq: ++this.seq, timeNano: ms * 1_000_000n, type, action, actor: { id, attributes } };
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const s of this.subs) if (s.filter(e)) s.q.push(e);
    return e;
  }

  subscribe(opts: { sinceNano?: bigint; filter?: EventFilterFn; signal: AbortSignal }): AsyncIterable<EngineEvent> {
    const q = new AsyncQueue<EngineEvent>();
    const filter = opts.filter ?? (() => true);
    if (opts.sinceNano !== undefined) {
      for (const e of this.ring) if (e.timeNano >= opts.sinceNano! && filter(e)) q.push(e);
    }
    const sub = { q, filter };
    this.subs.add(sub);
    opts.signal.addEventListener('abort', () => { this.subs.delete(sub); q.end(); }, { once: true });
    return q;
  }
}

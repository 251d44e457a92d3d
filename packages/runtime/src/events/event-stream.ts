/**
 * @module events/event-stream
 * `docker events` semantics over the EventBus (moby daemon/events/filter.go and
 * api/server/router/system getEvents): Docker's event filters, a replay window `[since, until]`
 * from the ring buffer, then live events until `until` (or abort). When `until` is already past,
 * the stream is the replay only.
 *
 * Vocabulary: a filter key absent from the query matches everything; `event`/`type`/`image`/
 * `scope` match exactly; object keys (`container`, `network`, …) match the actor id or its `name`
 * attribute by prefix (moby FuzzyMatch); `label` is `key` or `key=value` on the attributes.
 */
import type { EngineEvent, EventBus, EventFilterFn } from './event-bus.js';
import { errors } from '../errors/engine-error.js';

export interface EventStreamOptions {
  /** Replay buffered events at or after this time (ns since the epoch). */
  sinceNano?: bigint;
  /** Stop after this time (ns since the epoch); in the past = replay only. */
  untilNano?: bigint;
  /** Docker filter key → accepted values. */
  filters?: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
  signal: AbortSignal;
}

/** moby daemon/events/filter.go: every key Docker accepts. */
export const EVENT_FILTER_KEYS = [
  'container', 'event', 'image', 'label', 'network', 'plugin', 'daemon', 'type', 'volume',
  'node', 'service', 'secret', 'config', 'scope',
] as const;

/** Object keys matched against the actor of events of the same type. */
const NAMED_TYPES = ['container', 'network', 'plugin', 'daemon', 'volume', 'node', 'service', 'secret', 'config'] as const;

/** Events whose actions carry a suffix (`exec_create: sh`), matched by prefix (moby #25798). */
const PREFIX_ACTIONS = ['health_status', 'exec_create', 'exec_start'];

type FilterMap = ReadonlyMap<string, readonly string[]>;

function toMap(f: EventStreamOptions['filters']): FilterMap {
  if (!f) return new Map();
  return f instanceof Map ? f : new Map(Object.entries(f as Record<string, readonly string[]>));
}

export function validateEventFilters(filters: EventStreamOptions['filters']): void {
  for (const key of toMap(filters).keys()) {
    if (!(EVENT_FILTER_KEYS as readonly string[]).includes(key)) throw errors.invalid(`invalid filter '${key}'`);
  }
}

/** moby's tag stripping: `busybox:latest` → `busybox`, keeping a registry port. */
function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

export function eventMatcher(filters: EventStreamOptions['filters']): EventFilterFn {
  const f = toMap(filters);
  if (f.size === 0) return () => true;
  const exact = (key: string, value: string | undefined): boolean => {
    const vals = f.get(key);
    return !vals || vals.length === 0 || (value !== undefined && vals.includes(value));
  };
  const fuzzy = (key: string, value: string | undefined): boolean => {
    const vals = f.get(key);
    return !vals || vals.length === 0 || (value !== undefined && value !== '' && vals.some((v) => value === v || value.startsWith(v)));
  };
  const matchEvent = (e: EngineEvent): boolean => {
    const vals = f.get('event');
    if (!vals?.length) return true;
    return vals.includes(e.action) || vals.some((v) => PREFIX_ACTIONS.includes(v) && e.action.startsWith(v));
  };
  const matchNamed = (e: EngineEvent, type: string): boolean => {
    if (!f.get(type)?.length) return true;
    return fuzzy(type, e.actor.id) || fuzzy(type, e.actor.attributes.name);
  };
  const matchImage = (e: EngineEvent): boolean => {
    if (!f.get('image')?.length) return true;
    const name = e.actor.attributes[e.type === 'image' ? 'name' : 'image'];
    return [e.actor.id, name, stripTag(e.actor.id), name && stripTag(name)].some((v) => v !== undefined && exact('image', v));
  };
  const matchLabels = (attrs: Record<string, string>): boolean => {
    const vals = f.get('label');
    if (!vals?.length) return true;
    // moby MatchKVList: every label filter must hold.
    return vals.every((l) => {
      const eq = l.indexOf('=');
      if (eq < 0) return Object.hasOwn(attrs, l);
      return attrs[l.slice(0, eq)] === l.slice(eq + 1);
    });
  };
  return (e) => matchEvent(e)
    && exact('type', e.type)
    && exact('scope', 'local')
    && NAMED_TYPES.every((t) => matchNamed(e, t))
    && matchImage(e)
    && matchLabels(e.actor.attributes);
}

/**
 * Subscribes with Docker's since/until rules. Validation errors throw synchronously (before the
 * transport sends headers). The stream ends at `until`, on abort, or right after the replay when
 * `until` is already past.
 */
export function streamEvents(bus: EventBus, o: EventStreamOptions, now: () => bigint = nowNano): AsyncIterable<EngineEvent> {
  validateEventFilters(o.filters);
  if (o.untilNano !== undefined && o.sinceNano !== undefined && o.untilNano < o.sinceNano) {
    throw errors.invalid('`since` time cannot be after `until` time');
  }
  const match = eventMatcher(o.filters);
  const until = o.untilNano;
  const inner = new AbortController();
  const stop = (): void => inner.abort();
  if (o.signal.aborted) stop();
  else o.signal.addEventListener('abort', stop, { once: true });
  // moby replays when either bound is set (from the start of the buffer when only `until` is).
  const replay = o.sinceNano !== undefined || until !== undefined;
  const src = bus.subscribe({
    sinceNano: replay ? (o.sinceNano ?? 0n) : undefined,
    filter: (e) => (until === undefined || e.timeNano <= until) && match(e),
    signal: inner.signal,
  });
  let timer: NodeJS.Timeout | undefined;
  if (until !== undefined) {
    const left = until - now();
    if (left <= 0n) stop();
    else timer = setTimeout(stop, Number(left / 1_000_000n) + 1);
  }
  inner.signal.addEventListener('abort', () => {
    if (timer) clearTimeout(timer);
    o.signal.removeEventListener('abort', stop);
  }, { once: true });
  return {
    [Symbol.asyncIterator]: () => {
      const it = src[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: async () => {
          stop();
          return { value: undefined, done: true as const };
        },
      };
    },
  };
}

function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

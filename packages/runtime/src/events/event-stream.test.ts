import { describe, expect, it } from 'vitest';
import { EventBus, type EngineEvent } from './event-bus.js';
import { eventMatcher, streamEvents } from './event-stream.js';

const ev = (over: Partial<EngineEvent> & { attrs?: Record<string, string> }): EngineEvent => ({
  seq: 1, timeNano: 1n, type: 'container', action: 'start', ...over, actor: { id: over.actor?.id ?? 'abc123', attributes: over.attrs ?? {} },
});

async function collect(it: AsyncIterable<EngineEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.type}:${e.action}:${e.actor.id}`);
  return out;
}

describe('eventMatcher', () => {
  it('matches containers by id prefix or name, events exactly (exec_* by prefix)', () => {
    const m = eventMatcher({ container: ['abc'] });
    expect(m(ev({}))).toBe(true);
    expect(m(ev({ actor: { id: 'zzz', attributes: {} }, attrs: { name: 'abcd' } }))).toBe(true);
    expect(m(ev({ actor: { id: 'zzz', attributes: {} } }))).toBe(false);
    expect(eventMatcher({ event: ['die'] })(ev({ action: 'die' }))).toBe(true);
    expect(eventMatcher({ event: ['die'] })(ev({ action: 'die2' }))).toBe(false);
    expect(eventMatcher({ event: ['exec_start'] })(ev({ action: 'exec_start: sh -c x' }))).toBe(true);
    expect(eventMatcher({ event: ['start', 'die'] })(ev({ action: 'die' }))).toBe(true);
  });

  it('matches type, image (with and without tag) and labels', () => {
    expect(eventMatcher({ type: ['image'] })(ev({}))).toBe(false);
    const c = ev({ attrs: { image: 'busybox:latest', tier: 'web' } });
    expect(eventMatcher({ image: ['busybox'] })(c)).toBe(true);
    expect(eventMatcher({ image: ['busybox:latest'] })(c)).toBe(true);
    expect(eventMatcher({ image: ['alpine'] })(c)).toBe(false);
    expect(eventMatcher({ image: ['localhost:5000/a'] })(ev({ type: 'image', attrs: { name: 'localhost:5000/a:v1' } }))).toBe(true);
    expect(eventMatcher({ label: ['tier'] })(c)).toBe(true);
    expect(eventMatcher({ label: ['tier=web'] })(c)).toBe(true);
    expect(eventMatcher({ label: ['tier=db'] })(c)).toBe(false);
    expect(eventMatcher({ label: ['tier=web', 'x'] })(c)).toBe(false);
    expect(eventMatcher(new Map([['scope', ['swarm']]]))(c)).toBe(false);
  });
});

describe('streamEvents', () => {
  it('replays from since, follows live without a gap and ends at until', async () => {
    const bus = new EventBus();
    const t0 = BigInt(Date.now()) * 1_000_000n;
    bus.publish('container', 'create', 'a');
    const ac = new AbortController();
    const s = streamEvents(bus, { sinceNano: t0, untilNano: t0 + 300_000_000n, signal: ac.signal });
    bus.publish('container', 'start', 'a');
    setTimeout(() => bus.publish('container', 'die', 'a'), 50);
    setTimeout(() => bus.publish('container', 'destroy', 'a'), 600);
    expect(await collect(s)).toEqual(['container:create:a', 'container:start:a', 'container:die:a']);
  });

  it('with until in the past: replay only, then end', async () => {
    const bus = new EventBus();
    bus.publish('container', 'create', 'a');
    const now = BigInt(Date.now() + 5) * 1_000_000n;
    const s = streamEvents(bus, { sinceNano: 0n, untilNano: now, filters: { event: ['create'] }, signal: new AbortController().signal }, () => now + 1n);
    bus.publish('container', 'create', 'b');
    expect(await collect(s)).toEqual(['container:create:a']);
  });

  it('without since: live only, ends on abort; bad filters throw', async () => {
    const bus = new EventBus();
    bus.publish('container', 'create', 'old');
    const ac = new AbortController();
    const s = streamEvents(bus, { signal: ac.signal });
    bus.publish('container', 'start', 'new');
    setTimeout(() => ac.abort(), 30);
    expect(await collect(s)).toEqual(['container:start:new']);
    expect(() => streamEvents(bus, { filters: { nope: ['x'] }, signal: ac.signal })).toThrow(/invalid filter 'nope'/);
    expect(() => streamEvents(bus, { sinceNano: 5n, untilNano: 1n, signal: ac.signal })).toThrow(/since/);
  });
});

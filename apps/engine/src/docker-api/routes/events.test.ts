import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';
import { parseEventTimestamp, toDockerEventLine } from '../mappers/event-json.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

const nowSec = () => Math.floor(Date.now() / 1000);
const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('GET /events', () => {
  it('replays a past window with filters and ends the stream', async () => {
    const since = nowSec();
    const bus = t.services.events.bus;
    bus.publish('container', 'create', 'c1', { name: 'web', image: 'busybox' });
    bus.publish('container', 'die', 'c1', { name: 'web', image: 'busybox', exitCode: '3' });
    bus.publish('container', 'die', 'c2', { name: 'other', image: 'busybox', exitCode: '0' });
    bus.publish('image', 'tag', 'sha256:ab', { name: 'busybox:latest' });
    const until = nowSec() + 0; // in the past once the second rolls over, else a short live tail
    const filters = encodeURIComponent(JSON.stringify({ container: ['web'], event: ['die'] }));
    const res = await request(t.sock, 'GET', `/v1.47/events?since=${since}&until=${until}.999999999&filters=${filters}`);
    expect(res.status).toBe(200);
    const msgs = lines(res.text);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      status: 'die', id: 'c1', from: 'busybox', Type: 'container', Action: 'die', scope: 'local',
      Actor: { ID: 'c1', Attributes: { name: 'web', exitCode: '3' } },
    });
    expect(String(msgs[0].timeNano).length).toBeGreaterThanOrEqual(19);
  });

  it('follows live events after the replay until `until`', async () => {
    const bus = t.services.events.bus;
    const until = (Date.now() + 600) / 1000;
    const pending = request(t.sock, 'GET', `/events?since=${nowSec()}&until=${until.toFixed(3)}&filters=${encodeURIComponent('{"type":{"image":true}}')}`);
    bus.publish('image', 'pull', 'sha256:1', { name: 'a:1' });
    setTimeout(() => { bus.publish('image', 'tag', 'sha256:2', { name: 'b:2' }); bus.publish('container', 'start', 'x'); }, 150);
    const t0 = Date.now();
    const res = await pending;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(lines(res.text).map((m) => m.Action)).toEqual(['pull', 'tag']);
    expect(lines(res.text)[0]).not.toHaveProperty('from');
  });

  it('rejects bad filters and timestamps with 400', async () => {
    expect((await request(t.sock, 'GET', '/events?since=yesterday')).status).toBe(400);
    const bad = await request(t.sock, 'GET', `/events?since=20&until=10`);
    expect(bad.status).toBe(400);
  });
});

describe('event-json mapper', () => {
  it('parses CLI timestamps and keeps every digit of timeNano', () => {
    expect(parseEventTimestamp('1764428059')).toBe(1764428059_000_000_000n);
    expect(parseEventTimestamp('1764428059.5')).toBe(1764428059_500_000_000n);
    expect(parseEventTimestamp('1764428059.000000007')).toBe(1764428059_000_000_007n);
    expect(parseEventTimestamp('')).toBeUndefined();
    expect(parseEventTimestamp('x')).toBeUndefined();
    const line = toDockerEventLine({ seq: 1, timeNano: 1764428059123456789n, type: 'container', action: 'start', actor: { id: 'i', attributes: {} } });
    expect(line).toMatch(/"time":1764428059,"timeNano":1764428059123456789}\n$/);
  });
});

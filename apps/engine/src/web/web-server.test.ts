/**
 * The dashboard listener over fake engine services (no root): auth, guards, tRPC roles and the
 * terminal protocol. The same flows run against a real engine in test/web/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '@berth/runtime';
import { createFakeServices, type FakeServices } from '../docker-api/test-support/fake-services.js';
import { startWebServer, type WebServer } from './web-server.js';
import { WebClient } from './test-support/web-client.js';

let dir: string;
let services: FakeServices;
let server: WebServer;
const clients: WebClient[] = [];
const client = () => { const c = new WebClient(server.port); clients.push(c); return c; };
let admin: WebClient;

beforeAll(async () => {
  dir = mkdtempSync('/tmp/bt-web-');
  services = createFakeServices();
  server = await startWebServer({
    services, logger: silentLogger, listen: '127.0.0.1:0', origins: ['http://127.0.0.1:3000'], terminalIdleSec: 1,
    dataRoot: path.join(dir, 'data'), execRoot: dir, hangup: () => undefined,
  });
});
afterEach(() => { for (const c of clients.splice(0)) c.close(); });
afterAll(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

describe('bootstrap and login', { timeout: 30_000 }, () => {
  it('bootstraps the first admin once with the token file', async () => {
    const c = client();
    expect((await c.request('GET', '/auth/state')).json()).toEqual({ bootstrapped: false });
    const file = path.join(dir, 'web-bootstrap-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect((await c.request('POST', '/auth/bootstrap', { token: 'nope', username: 'root', password: 'password1' })).status).toBe(403);
    const r = await c.request('POST', '/auth/bootstrap', { token, username: 'root', password: 'password1' });
    expect(r.status).toBe(204);
    expect(r.headers['set-cookie']?.[0]).toMatch(/^berth_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect((await c.request('GET', '/auth/me')).json()).toEqual({ username: 'root', role: 'admin' });
    expect((await client().request('POST', '/auth/bootstrap', { token, username: 'evil', password: 'password1' })).status).toBe(403);
    expect((await c.request('GET', '/auth/state')).json()).toEqual({ bootstrapped: true });
    expect(statSync(path.join(dir, 'data/web/users.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'data/web/users.json'), 'utf8')).not.toContain('password1');
    admin = c;
  });

  it('answers the same 401 for a bad password and an unknown user, then rate-limits', async () => {
    const c = client();
    const a = await c.login('root', 'wrong-password');
    const b = await c.login('ghost', 'wrong-password');
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.body).toBe(b.body);
    expect(a.json()).toEqual({ message: 'invalid username or password' });
    for (let i = 0; i < 4; i++) await c.login('root', 'wrong-password');
    const blocked = await c.login('root', 'password1');
    expect(blocked.status).toBe(429);
    // Another client address is not blocked (per client + user).
    const other = await c.request('POST', '/auth/login', { username: 'root', password: 'password1' }, { 'x-forwarded-for': '10.9.9.9' });
    expect(other.status).toBe(204);
  });

  it('refuses foreign Origin, foreign Host, non-JSON bodies and cross-site fetches', async () => {
    const c = client();
    expect((await c.request('POST', '/auth/login', { username: 'root', password: 'password1' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await c.request('POST', '/auth/login', { username: 'root', password: 'password1' }, { origin: undefined })).status).toBe(403);
    expect((await c.request('GET', '/auth/state', undefined, { host: 'evil.example' })).status).toBe(403);
    expect((await c.request('GET', '/auth/state', undefined, { host: '127.0.0.1:3000' })).status).toBe(200);
    expect((await c.request('POST', '/auth/login', 'username=root', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await c.request('GET', '/auth/state', undefined, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await c.request('POST', '/auth/login', { username: 'x'.repeat(20_000) })).status).toBe(413);
  });
});

describe('tRPC', { timeout: 30_000 }, () => {
  it('needs a session over HTTP and ws', async () => {
    const c = client();
    expect((await c.request('GET', '/trpc/containers.list')).status).toBe(401);
    await expect(c.tty('x')).rejects.toThrow('HTTP 401');
  });

  it('lists, runs and removes containers as admin; viewer reads but cannot change', async () => {
    const t = admin.trpc();
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sleep'], name: 'web1', ports: [{ container: 80, host: 8080 }] });
    const rows = await t.containers.list.query();
    expect(rows.find((r) => r.id === id)).toMatchObject({ name: 'web1', image: 'busybox', state: 'running', ports: [{ container: 80, proto: 'tcp', host: 8080 }] });
    expect((await t.containers.inspect.query({ id })).status).toMatch(/^Up /);
    await t.users.create.mutate({ username: 'view', password: 'password2', role: 'viewer' });
    const v = client();
    expect((await v.login('view', 'password2')).status).toBe(204);
    const vt = v.trpc();
    expect((await vt.containers.list.query()).length).toBeGreaterThan(0);
    await expect(vt.containers.stop.mutate({ id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(vt.terminals.open.mutate({ containerId: id, mode: 'exec' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(t.containers.inspect.query({ id: 'nope' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect(await t.users.list.query()).toEqual([{ username: 'root', role: 'admin' }, { username: 'view', role: 'viewer' }]);
    await expect(vt.users.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(t.users.remove.mutate({ username: 'root' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    const { id: gone } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sleep'] });
    await t.containers.remove.mutate({ id: gone, force: true });
    expect((await t.containers.list.query()).some((r) => r.id === gone)).toBe(false);
  });

  it('streams container events, log batches, and refuses pull without a pull service', async () => {
    const t = admin.trpc();
    const events: string[] = [];
    const sub = t.containers.watch.subscribe(undefined, { onData: (d) => events.push(`${d.event.action}:${d.event.actor.attributes.name ?? ''}`) });
    await new Promise((r) => setTimeout(r, 200));
    services.events.bus.publish('container', 'start', 'abc', { name: 'evt1' });
    services.events.bus.publish('image', 'tag', 'img', {});
    await expect.poll(() => events).toEqual(['start:evt1']);
    sub.unsubscribe();
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['both'], name: 'logs1' });
    const lines: { stream: string; text: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const s2 = t.logs.follow.subscribe({ id, follow: false }, { onData: (b) => lines.push(...b.lines), onError: reject, onComplete: () => { s2.unsubscribe(); resolve(); } });
    });
    expect(lines.map((l) => `${l.stream}:${l.text}`).sort()).toEqual(['stderr:err', 'stdout:out']);
    const err = await new Promise<unknown>((resolve) => {
      t.images.pull.subscribe({ image: 'alpine' }, { onData: () => undefined, onError: resolve });
    });
    expect(err).toMatchObject({ message: 'pull not available', data: { code: 'PRECONDITION_FAILED' } });
    Object.assign(services.images, { async* pull(ref: string) { yield { status: `Pulling from ${ref}` }; yield { status: 'Downloading', id: 'l1', current: 5, total: 10 }; } });
    try {
      const progress: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        const s3 = t.images.pull.subscribe({ image: 'alpine' }, { onData: (p) => progress.push(p), onError: reject, onComplete: () => { s3.unsubscribe(); resolve(); } });
      });
      expect(progress).toEqual([{ status: 'Pulling from alpine' }, { status: 'Downloading', id: 'l1', current: 5, total: 10 }, { status: 'done', id: 'alpine' }]);
    } finally { delete (services.images as { pull?: unknown }).pull; }
  });
});

describe('terminals', { timeout: 30_000 }, () => {
  it('echoes for the admin, replays scrollback, is read-only for viewers, and dies with logout', async () => {
    const t = admin.trpc();
    const id = (await t.containers.list.query()).find((r) => r.name === 'web1')!.id;
    console.log('X1', id);
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'exec', cmd: ['cat'] });
    console.log('X2', sessionId);
    const a = await admin.tty(sessionId);
    a.send('echo hi\r');
    await a.until((x) => x.text.includes('echo hi'), 5000, 'echo');
    const v = client();
    expect((await v.login('view', 'password2')).status).toBe(204);
    const w = await v.tty(sessionId);
    await w.until((x) => x.text.includes('echo hi'), 5000, 'scrollback');
    w.send('rm -rf /\r');
    await w.until((x) => x.texts.some((m) => m.type === 'error' && m.message === 'read-only'), 5000, 'read-only');
    expect(a.text).not.toContain('rm -rf');
    expect((await t.terminals.list.query()).find((s) => s.sessionId === sessionId)).toMatchObject({ watchers: 2, mode: 'exec' });
    // Another admin login survives; this login's logout revokes the terminal for everyone.
    const other = client();
    // From another client address: 127.0.0.1 + root is still rate-limited by the test above.
    expect((await other.request('POST', '/auth/login', { username: 'root', password: 'password1' }, { 'x-forwarded-for': '10.9.9.8' })).status).toBe(204);
    expect((await admin.request('POST', '/auth/logout', {})).status).toBe(204);
    await a.until((x) => x.closeCode !== undefined, 5000, 'close');
    expect(a.texts).toContainEqual({ type: 'revoked' });
    await w.until((x) => x.closeCode !== undefined, 5000, 'viewer close');
    expect((await admin.request('GET', '/auth/me')).status).toBe(401);
    expect((await other.trpc().terminals.list.query()).some((s) => s.sessionId === sessionId)).toBe(false);
    admin = other;
  });

  it('closes a session nobody watches after the idle timeout', async () => {
    const t = admin.trpc();
    const id = (await t.containers.list.query()).find((r) => r.name === 'web1')!.id;
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'exec', cmd: ['cat'] });
    const a = await admin.tty(sessionId);
    a.ws.close();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await t.terminals.list.query()).some((s) => s.sessionId === sessionId)).toBe(false);
    await expect(admin.tty(sessionId)).rejects.toThrow('HTTP 404');
  });

  it('strips OSC 52 from terminal output', async () => {
    const t = admin.trpc();
    const id = (await t.containers.list.query()).find((r) => r.name === 'web1')!.id;
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'exec', cmd: ['cat'] });
    const a = await admin.tty(sessionId);
    a.send('A\x1b]52;c;cm0gLXJmIC8=\x07B\n');
    await a.until((x) => x.text.includes('B'), 5000, 'B');
    expect(a.text).not.toContain('52;');
    expect(a.text).toContain('AB');
    a.send(Buffer.alloc(1024 * 1024 + 1, 0x61));
    await a.until((x) => x.closeCode !== undefined, 5000, 'oversize close');
    expect(a.closeCode).toBe(1009);
  });
});

/**
 * The dashboard listener on a real berthd, as root: tRPC over ws with the `ws` package, a real
 * TTY container's terminal (type `echo hi`, read `hi`), viewer read-only, exec terminals, logout
 * revoking terminals, Origin/Host refusals, the login rate limit, log follow/search/download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.js';
import { WebClient } from '../../src/web/test-support/web-client.js';
import { startWebEngine, type WebEngine } from './web-engine.js';

let e: WebEngine;
const viewer = () => new WebClient(e.port);

beforeAll(async () => { e = await startWebEngine(); });
afterAll(async () => { await e?.stop(); });

describe('dashboard listener on a real engine', () => {
  it('refuses a foreign Origin and a foreign Host (HTTP and WebSocket)', async () => {
    const c = new WebClient(e.port);
    expect((await c.request('POST', '/auth/login', { username: 'admin', password: 'correct-horse' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await c.request('GET', '/auth/state', undefined, { host: 'evil.example:4001' })).status).toBe(403);
    expect((await c.request('GET', '/auth/state')).json()).toEqual({ bootstrapped: true });
    const foreign = new WebClient(e.port, 'http://evil.example');
    foreign.cookie = e.admin.cookie;
    await expect(foreign.tty('whatever')).rejects.toThrow('HTTP 403');
    expect((await e.admin.request('GET', '/trpc/containers.list', undefined, { host: 'rebind.example' })).status).toBe(403);
  });

  it('runs a TTY container and echoes `echo hi` through /tty; a viewer watches read-only', async () => {
    const t = e.admin.trpc();
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sh'], tty: true, name: 'tty1' });
    expect((await t.containers.inspect.query({ id })).state).toBe('running');
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'attach', cols: 100, rows: 30 });
    const a = await e.admin.tty(sessionId);
    a.send('echo hi\r');
    await a.until((x) => /\r\nhi\r\n/.test(x.text), 10_000, 'hi');
    await t.users.create.mutate({ username: 'watcher', password: 'viewer-pass', role: 'viewer' });
    const v = viewer();
    expect((await v.login('watcher', 'viewer-pass')).status).toBe(204);
    const w = await v.tty(sessionId);
    await w.until((x) => /\r\nhi\r\n/.test(x.text), 10_000, 'scrollback');
    w.send('touch /pwned\r');
    await w.until((x) => x.texts.some((m) => m.message === 'read-only'), 5000, 'read-only');
    a.send('ls /pwned; stty size\r');
    await a.until((x) => /No such file/.test(x.text) && /30 100/.test(x.text), 10_000, 'no /pwned, size');
    a.ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    w.ws.send(JSON.stringify({ type: 'resize', cols: 10, rows: 10 }));
    await new Promise((r) => setTimeout(r, 200));
    // Ctrl-p Ctrl-q reaches the shell (ash recalls history on ^P; no detach); ^U clears the line.
    a.send('\x10\x11');
    await a.until((x) => x.text.split('stty size').length > 2, 10_000, 'history recall');
    a.send('\x15');
    a.send('stty size; echo still-$((1+1))\r');
    await a.until((x) => /40 120/.test(x.text) && /still-2/.test(x.text), 10_000, 'resized, still attached');
    await expect(v.trpc().containers.kill.mutate({ id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    a.send('exit\r');
    await a.until((x) => x.texts.some((m) => m.type === 'exit'), 10_000, 'exit');
    expect(a.texts.find((m) => m.type === 'exit')).toEqual({ type: 'exit', code: 0 });
    v.close();
  });

  it('exec terminal with a chosen user; logout revokes it', async () => {
    const c = new WebClient(e.port);
    expect((await c.login('admin', 'correct-horse')).status).toBe(204);
    const t = c.trpc();
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sleep', '1000'], name: 'ex1' });
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'exec', cmd: ['sh'], user: 'nobody' });
    const a = await c.tty(sessionId);
    a.send('id -u\r');
    await a.until((x) => /\r\n65534\r\n/.test(x.text), 10_000, 'uid');
    expect((await c.request('POST', '/auth/logout', {})).status).toBe(204);
    await a.until((x) => x.closeCode !== undefined, 5000, 'revoked close');
    expect(a.texts).toContainEqual({ type: 'revoked' });
    expect((await e.admin.trpc().terminals.list.query()).some((s) => s.sessionId === sessionId)).toBe(false);
    c.close();
  });

  it('streams, searches and downloads logs', async () => {
    const t = e.admin.trpc();
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; echo oops >&2'], name: 'logs1' });
    const ev = await request(e.socket, 'POST', `/containers/${id}/wait`);
    expect(ev.status).toBe(200);
    const lines: { stream: string; text: string }[] = [];
    let batches = 0;
    await new Promise<void>((resolve, reject) => {
      const sub = t.logs.follow.subscribe({ id, follow: false }, {
        onData: (b) => { batches++; lines.push(...b.lines); },
        onError: reject, onComplete: () => { sub.unsubscribe(); resolve(); },
      });
    });
    expect(lines).toHaveLength(3001);
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(lines[0]).toMatchObject({ stream: 'stdout', text: 'line 0' });
    expect(lines.at(-1)).toMatchObject({ stream: 'stderr', text: 'oops' });
    const found = await t.logs.search.query({ id, pattern: '^line 29\\d\\d$', regex: true });
    expect(found.lines).toHaveLength(100);
    const dl = await e.admin.request('GET', `/logs/${id}?timestamps=1`);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-disposition']).toBe('attachment; filename="logs1.log"');
    expect(dl.body.split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z line 0$/);
    expect((await new WebClient(e.port).request('GET', `/logs/${id}`)).status).toBe(401);
  });

  it('live feeds: container events, stats, system info, images; OSC 52 stripped from a real TTY', async () => {
    const t = e.admin.trpc();
    const events: string[] = [];
    const sub = t.containers.watch.subscribe(undefined, { onData: (d) => events.push(d.event.action) });
    await new Promise((r) => setTimeout(r, 300));
    const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sh', '-c', 'x=$(head -c 4000000 /dev/zero | tr "\\0" a); sleep 1000'], tty: true, name: 'feed1' });
    await expect.poll(() => events, { timeout: 10_000 }).toEqual(expect.arrayContaining(['create', 'start']));
    sub.unsubscribe();
    const rows = await new Promise<{ id: string; memUsage: number; memLimit: number }[]>((resolve, reject) => {
      let n = 0;
      const s2 = t.containers.stats.subscribe(undefined, { onData: (r) => { if (++n === 2) { s2.unsubscribe(); resolve(r); } }, onError: reject });
    });
    expect(rows.find((r) => r.id === id)?.memUsage).toBeGreaterThan(0);
    const info = await t.system.info.query();
    expect(info.containersRunning).toBeGreaterThan(0);
    expect((await t.images.list.query()).some((i) => i.repoTags.includes('busybox:latest'))).toBe(true);
    const { sessionId } = await t.terminals.open.mutate({ containerId: id, mode: 'exec', cmd: ['sh'] });
    const a = await e.admin.tty(sessionId);
    a.send("printf 'A\\033]52;c;cm0gLXJmIC8=\\007B\\n'\r");
    await a.until((x) => x.text.includes('AB'), 10_000, 'AB');
    expect(a.text).not.toContain('\x1b]52');
    await t.terminals.close.mutate({ sessionId });
    await a.until((x) => x.closeCode !== undefined, 5000, 'closed');
    expect(a.texts).toContainEqual({ type: 'closed' });
  });

  it('rate-limits failed logins without revealing users', async () => {
    const c = new WebClient(e.port);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.login(i % 2 ? 'admin' : 'nobody-here', 'wrong')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    for (let i = 0; i < 4; i++) await c.login('admin', 'wrong');
    expect((await c.login('admin', 'correct-horse')).status).toBe(429);
  });
});

import { describe, expect, it } from 'vitest';
import { LoginLimiter, SessionStore } from './sessions.js';
import { checkRequest, guardConfig, parseCookies } from './guards.js';

describe('LoginLimiter', () => {
  it('blocks after 5 failures per client+user for a minute, 30 per client', () => {
    let now = 0;
    const l = new LoginLimiter(undefined, () => now);
    for (let i = 0; i < 5; i++) { expect(l.blocked('ip', 'a')).toBe(false); l.fail('ip', 'a'); }
    expect(l.blocked('ip', 'a')).toBe(true);
    expect(l.blocked('ip2', 'a')).toBe(false);
    now = 60_001;
    expect(l.blocked('ip', 'a')).toBe(false);
    for (let i = 0; i < 30; i++) l.fail('ip', `u${i}`);
    expect(l.blocked('ip', 'fresh')).toBe(true);
  });
  it('a success clears the client+user key', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 4; i++) l.fail('ip', 'a');
    l.succeed('ip', 'a');
    l.fail('ip', 'a');
    expect(l.blocked('ip', 'a')).toBe(false);
  });
});

describe('SessionStore', () => {
  it('creates 32-byte ids, expires idle sessions and notifies on revoke', () => {
    let now = 0;
    const s = new SessionStore(() => now);
    const revoked: string[] = [];
    s.onRevoke((x) => revoked.push(x.id));
    const a = s.create({ username: 'u', role: 'admin' });
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(32);
    expect(s.alive(a.id)).toBe(true);
    now = 3 * 3600_000;
    expect(s.alive(a.id)).toBe(false);
    expect(revoked).toEqual([a.id]);
    const b = s.create({ username: 'v', role: 'viewer' });
    s.revokeUser('v');
    expect(s.get(b.id)).toBeUndefined();
  });
});

describe('guards', () => {
  const cfg = guardConfig({ host: '127.0.0.1', port: 4001 }, ['http://127.0.0.1:3000', 'http://localhost:3000']);
  const h = (o: Record<string, string>) => ({ host: '127.0.0.1:4001', ...o });
  it('allows the listener and origin hosts only', () => {
    expect(checkRequest(h({}), 'GET', 'get', cfg)).toEqual({ ok: true });
    expect(checkRequest(h({ host: 'localhost:3000' }), 'GET', 'get', cfg)).toEqual({ ok: true });
    expect(checkRequest(h({ host: 'attacker.example:4001' }), 'GET', 'get', cfg)).toMatchObject({ ok: false, status: 403 });
    expect(checkRequest({}, 'GET', 'get', cfg)).toMatchObject({ ok: false, status: 403 });
  });
  it('requires an allowed Origin for POST and WebSocket, JSON for POST', () => {
    expect(checkRequest(h({ 'content-type': 'application/json' }), 'POST', 'post', cfg)).toMatchObject({ status: 403 });
    expect(checkRequest(h({ origin: 'http://localhost:3000', 'content-type': 'application/json; charset=utf-8' }), 'POST', 'post', cfg)).toEqual({ ok: true });
    expect(checkRequest(h({ origin: 'http://localhost:3000', 'content-type': 'text/plain' }), 'POST', 'post', cfg)).toMatchObject({ status: 415 });
    expect(checkRequest(h({ origin: 'null' }), 'GET', 'ws', cfg)).toMatchObject({ status: 403 });
    expect(checkRequest(h({}), 'GET', 'ws', cfg)).toMatchObject({ status: 403 });
    expect(checkRequest(h({ origin: 'http://127.0.0.1:3000' }), 'GET', 'ws', cfg)).toEqual({ ok: true });
  });
  it('parses cookies', () => {
    expect(parseCookies('a=1; berth_session=xyz; b=2').get('berth_session')).toBe('xyz');
    expect(parseCookies(undefined).size).toBe(0);
  });
});

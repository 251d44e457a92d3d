import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errors, type PathStat } from '@berth/runtime';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

const stat: PathStat = { name: 'd', size: 4096, mode: (2 ** 31 + 0o755) >>> 0, mtime: '2026-01-01T00:00:00.000Z', linkTarget: '' };
const decode = (h: unknown) => JSON.parse(Buffer.from(String(h), 'base64').toString());

describe('archive routes (docker cp)', () => {
  it('answer 501 when the engine has no cp, 400 without a path', async () => {
    expect((await request(t.sock, 'HEAD', '/containers/x/archive?path=/')).status).toBe(501);
    Object.assign(t.services.containers, { statPath: async () => stat });
    expect((await request(t.sock, 'HEAD', '/containers/x/archive')).status).toBe(400);
    const bad = await request(t.sock, 'GET', '/containers/x/archive?path=');
    expect(bad.status).toBe(400);
    expect(bad.json().message).toBe('bad parameter: path cannot be empty');
  });

  it('HEAD and GET carry X-Docker-Container-Path-Stat; PUT passes the body and flags through', async () => {
    const seen: string[] = [];
    Object.assign(t.services.containers, {
      statPath: async (id: string, p: string) => {
        if (p === '/missing') throw errors.notFoundMessage(`Could not find the file /missing in container ${id}`);
        return stat;
      },
      getArchive: async () => ({ stat, tar: Readable.from([Buffer.from('TAR')]) }),
      putArchive: async (id: string, p: string, tar: Readable, o: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }) => {
        let body = '';
        for await (const c of tar) body += String(c);
        seen.push(`${id}:${p}:${body}:${o.noOverwriteDirNonDir}:${o.copyUIDGID}`);
      },
    });
    const h = await request(t.sock, 'HEAD', '/v1.47/containers/c1/archive?path=/d');
    expect(h.status).toBe(200);
    expect(decode(h.headers['x-docker-container-path-stat'])).toEqual(stat);
    const g = await request(t.sock, 'GET', '/containers/c1/archive?path=/d');
    expect(g.headers['content-type']).toBe('application/x-tar');
    expect(decode(g.headers['x-docker-container-path-stat']).name).toBe('d');
    expect(g.text).toBe('TAR');
    expect((await request(t.sock, 'HEAD', '/containers/c1/archive?path=/missing')).status).toBe(404);
    const p = await request(t.sock, 'PUT', '/containers/c1/archive?path=/tmp&noOverwriteDirNonDir=true&copyUIDGID=1',
      { body: 'BODY', headers: { 'Content-Type': 'application/x-tar' } });
    expect(p.status, p.text).toBe(200);
    expect(seen).toEqual(['c1:/tmp:BODY:true:true']);
  });
});

import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, ERROR_CODES, silentLogger, type ErrorCode } from '@berth/runtime';
import { DOCKER_STATUS, GENERIC_INTERNAL_MESSAGE } from './http/errors.js';
import { parseHost } from './http/listeners.js';
import { createDockerApiServer } from './server.js';
import { createFakeServices } from './test-support/fake-services.js';
import { request, startTestServer, type TestServer } from './test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

describe('protocol basics', () => {
  it('answers GET and HEAD /_ping with the headers the CLI negotiates from', async () => {
    const res = await request(t.sock, 'GET', '/_ping');
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    expect(res.headers).toMatchObject({
      'api-version': '1.47', ostype: 'linux', 'docker-experimental': 'false', 'builder-version': '1', swarm: 'inactive',
      'cache-control': 'no-cache, no-store, must-revalidate', pragma: 'no-cache', server: 'Berth/0.1.0 (linux)',
    });
    const h = await request(t.sock, 'HEAD', '/_ping');
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
    expect(h.headers['api-version']).toBe('1.47');
  });

  it('puts the common headers on every response, errors included', async () => {
    const res = await request(t.sock, 'GET', '/v1.47/containers/nope/json');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ message: 'No such container: nope' });
    expect(res.headers).toMatchObject({ 'api-version': '1.47', ostype: 'linux', 'docker-experimental': 'false', server: 'Berth/0.1.0 (linux)' });
  });

  it('strips /v1.NN and refuses versions outside 1.24..1.47 with Docker wording', async () => {
    expect((await request(t.sock, 'GET', '/v1.47/version')).json().ApiVersion).toBe('1.47');
    expect((await request(t.sock, 'GET', '/v1.24/version')).status).toBe(200);
    expect((await request(t.sock, 'GET', '/version')).status).toBe(200);
    const old = await request(t.sock, 'GET', '/v1.23/version');
    expect(old.status).toBe(400);
    expect(old.json().message).toBe('client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
    const young = await request(t.sock, 'GET', '/v1.50/containers/json');
    expect(young.status).toBe(400);
    expect(young.json().message).toBe('client version 1.50 is too new. Maximum supported API version is 1.47');
  });

  it('answers unknown routes and methods with 404 page not found', async () => {
    for (const [m, p] of [['GET', '/v1.47/nope'], ['DELETE', '/_ping'], ['GET', '/nope/x'], ['POST', '/containers/json']]) {
      const res = await request(t.sock, m!, p!);
      expect(res.status, `${m} ${p}`).toBe(404);
      expect(res.json()).toEqual({ message: 'page not found' });
    }
  });

  it('refuses browser-originated requests', async () => {
    const res = await request(t.sock, 'GET', '/containers/json', { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    const res2 = await request(t.sock, 'POST', '/containers/create', { headers: { 'Sec-Fetch-Site': 'cross-site' }, body: '{}' });
    expect(res2.status).toBe(403);
    expect(t.services.containers.entries.size).toBe(0);
  });

  it('version and info carry the fields clients read', async () => {
    const v = (await request(t.sock, 'GET', '/version')).json();
    expect(v).toMatchObject({ Version: '0.1.0', ApiVersion: '1.47', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64', Platform: { Name: 'Berth' } });
    expect(v.Components[0]).toMatchObject({ Name: 'Engine', Version: '0.1.0', Details: { ApiVersion: '1.47', MinAPIVersion: '1.24' } });
    const i = (await request(t.sock, 'GET', '/info')).json();
    expect(i).toMatchObject({ Swarm: { LocalNodeState: 'inactive', ControlAvailable: false }, Driver: 'overlay2', LoggingDriver: 'k8s-file',
      DefaultRuntime: 'runc', OSType: 'linux', Architecture: 'x86_64', ServerVersion: '0.1.0', DockerRootDir: '/var/lib/berth' });
    expect(i.Plugins.Log).toEqual(['k8s-file']);
  });

  it('answers the probes of docker inspect and swarm commands', async () => {
    const plugin = await request(t.sock, 'GET', '/v1.47/plugins/foo/json');
    expect(plugin.status).toBe(404);
    expect(plugin.json().message).toBe('plugin "foo" not found');
    const swarm = await request(t.sock, 'GET', '/v1.47/services');
    expect(swarm.status).toBe(503);
    expect(swarm.json().message).toMatch(/not a swarm manager/);
    const events = await request(t.sock, 'GET', `/events?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
    expect(events.status).toBe(400);
    expect(events.json().message).toBe("invalid filter 'bogus'");
  });
});

describe('request validation', () => {
  it('rejects malformed JSON, wrong types, empty bodies and non-JSON content types', async () => {
    const bad = await request(t.sock, 'POST', '/containers/create', { body: '{"Image":' });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/^invalid JSON: /);
    const typed = await request(t.sock, 'POST', '/containers/create', { body: JSON.stringify({ Image: 'busybox', HostConfig: { Memory: 'lots' } }) });
    expect(typed.status).toBe(400);
    expect(typed.json().message).toBe('invalid JSON: field HostConfig.Memory: expected number, received string');
    const eof = await request(t.sock, 'POST', '/containers/create', { body: '' });
    expect(eof.json().message).toBe('invalid JSON: got EOF while reading request body');
    const ct = await request(t.sock, 'POST', '/containers/create', { body: '{"Image":"busybox"}', headers: { 'Content-Type': 'text/plain' } });
    expect(ct.status).toBe(400);
    expect(ct.json().message).toBe("unsupported Content-Type header (text/plain): must be 'application/json'");
    expect(t.services.containers.entries.size).toBe(0);
  });

  it('rejects unknown filters and accepts both filter encodings', async () => {
    const bad = await request(t.sock, 'GET', `/containers/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
    expect(bad.status).toBe(400);
    expect(bad.json().message).toBe("invalid filter 'bogus'");
    const modern = await request(t.sock, 'GET', `/containers/json?all=1&filters=${encodeURIComponent('{"label":{"a=b":true},"status":["exited"]}')}`);
    expect(modern.status).toBe(200);
    const legacy = await request(t.sock, 'GET', `/containers/json?filters=${encodeURIComponent('{"name":["/web"]}')}`);
    expect(legacy.status).toBe(200);
    expect(t.services.containers.calls.filter((c) => c.startsWith('list:'))).toEqual([
      'list:{"all":true,"labels":["a=b"],"statuses":["exited"]}',
      'list:{"all":false,"names":["web"]}',
    ]);
    const badImg = await request(t.sock, 'GET', `/images/json?filters=${encodeURIComponent('{"dangling":["maybe"]}')}`);
    expect(badImg.json().message).toBe("invalid filter 'dangling=maybe'");
  });

  it('validates container names with Docker wording', async () => {
    const res = await request(t.sock, 'POST', '/containers/create?name=bad%20name', { body: '{"Image":"busybox"}' });
    expect(res.status).toBe(400);
    expect(res.json().message).toBe('Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });
});

describe('error mapping', () => {
  it('covers every error code in DOCKER_STATUS', () => {
    expect(Object.keys(DOCKER_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each([...ERROR_CODES])('answers %s with its status and message', async (code: ErrorCode) => {
    t.services.containers.inspect = async () => { throw new EngineError(code, `boom ${code}`); };
    const res = await request(t.sock, 'GET', '/containers/x/json');
    expect(res.status).toBe(DOCKER_STATUS[code]);
    expect(res.json()).toEqual({ message: `boom ${code}` });
  });

  it('hides unexpected errors behind a generic 500 and logs them once', async () => {
    t.services.containers.inspect = async () => { throw new TypeError('secret detail'); };
    const res = await request(t.sock, 'GET', '/containers/x/json');
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({ message: GENERIC_INTERNAL_MESSAGE });
    const errs = t.logger.lines.filter((l) => l.level === 'error');
    expect(errs).toHaveLength(1);
    expect(String((errs[0]!.fields!.err as Error).stack)).toContain('secret detail');
    // The daemon is still serving.
    expect((await request(t.sock, 'GET', '/_ping')).status).toBe(200);
  });
});

describe('listeners', () => {
  it('creates the unix socket with mode 0660 and removes it on close', async () => {
    const st = await lstat(t.sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    const sock = t.sock;
    await t.close();
    await expect(lstat(sock)).rejects.toThrow(/ENOENT/);
    t = await startTestServer();
  });

  it('replaces a stale socket but never a live one or a regular file', async () => {
    const dir = await mkdtemp('/tmp/bt-');
    try {
      const stale = path.join(dir, 'stale.sock');
      const srv = net.createServer().listen(stale);
      await new Promise((r) => srv.once('listening', r));
      const live = createDockerApiServer(createFakeServices(), { hosts: [`unix://${stale}`], logger: silentLogger });
      await expect(live.listen()).rejects.toThrow(/already listening/);
      srv.close();
      await new Promise((r) => srv.once('close', r));
      // A crashed daemon leaves its socket file behind (a clean close unlinks it).
      spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
      expect((await lstat(stale)).isSocket()).toBe(true);
      const api = createDockerApiServer(createFakeServices(), { hosts: [`unix://${stale}`], logger: silentLogger });
      await api.listen();
      expect((await request(stale, 'GET', '/_ping')).text).toBe('OK');
      await api.close();
      const file = path.join(dir, 'file.sock');
      await writeFile(file, 'x');
      const api2 = createDockerApiServer(createFakeServices(), { hosts: [`unix://${file}`], logger: silentLogger });
      await expect(api2.listen()).rejects.toThrow(/not a socket/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks the Host header on TCP listeners (DNS rebinding)', async () => {
    const free = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => free.once('listening', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    const api = createDockerApiServer(createFakeServices(), { hosts: [`tcp://127.0.0.1:${port}`], logger: silentLogger });
    await api.listen();
    try {
      const get = (host: string) => new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/_ping', headers: { Host: host }, agent: false }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject);
      });
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
      expect(await get('localhost')).toBe(200);
      expect(await get('evil.example')).toBe(400);
    } finally {
      await api.close();
    }
  });

  it('accepts TCP on loopback only', () => {
    expect(parseHost('tcp://127.0.0.1:2375')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseHost('unix:///run/berth/berth.sock')).toEqual({ kind: 'unix', path: '/run/berth/berth.sock' });
    expect(() => parseHost('tcp://0.0.0.0:2375')).toThrow(/only allowed on loopback/);
    expect(() => parseHost('fd://')).toThrow(/invalid host/);
  });
});

/**
 * Pull, push, login, save and load through the stock docker CLI against a real berthd and Debian's
 * docker-registry (anonymous, and behind a token server for the Bearer flow).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';
import { startRegistry, type RegistryFixture } from './registry-fixture.js';

const t = useEngine();
const execFileP = promisify(execFile);
let configDir: string;

async function docker(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileP('docker', args, { env: { ...process.env, DOCKER_HOST: t.eng.dockerHost, DOCKER_CONFIG: configDir }, timeout: 120_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(() => { configDir = mkdtempSync('/tmp/bt-dcfg-'); });
afterAll(() => { rmSync(configDir, { recursive: true, force: true }); });

describe('registry: anonymous docker-registry', () => {
  let reg: RegistryFixture;
  beforeAll(async () => { reg = await startRegistry(); });
  afterAll(async () => { await reg.stop(); });

  it('push, rmi, pull by tag and by digest, run; cross-repo mount on a second push', async () => {
    const repo = `${reg.host}/it/busybox`;
    expect((await docker('tag', 'busybox:latest', `${repo}:v1`)).code).toBe(0);
    const push = await docker('push', `${repo}:v1`);
    expect(push.code, push.out).toBe(0);
    expect(push.out).toMatch(/: Pushed/);
    const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push.out)?.[1];
    expect(digest).toBeDefined();
    const tags = await fetch(`http://${reg.host}/v2/it/busybox/tags/list`).then((r) => r.json());
    expect(tags).toEqual({ name: 'it/busybox', tags: ['v1'] });
    // Second repository: the layer comes from the first one by mount, the push is as valid.
    expect((await docker('tag', 'busybox:latest', `${reg.host}/it/other:v1`)).code).toBe(0);
    const push2 = await docker('push', `${reg.host}/it/other:v1`);
    expect(push2.out).toMatch(/Mounted from it\/busybox/);
    // Fresh pull: remove every local name of the image first so the layers are downloaded.
    for (const n of [`${repo}:v1`, `${repo}@${digest}`, `${reg.host}/it/other:v1`, `${reg.host}/it/other@${digest}`, 'busybox:latest']) await docker('rmi', n);
    const pull = await docker('pull', `${repo}:v1`);
    expect(pull.code, pull.out).toBe(0);
    expect(pull.out).toContain('Pull complete');
    expect(pull.out).toContain(`Digest: ${digest}`);
    expect((await docker('run', '--rm', `${repo}:v1`, 'echo', 'pulled-ok')).out.trim()).toBe('pulled-ok');
    expect((await docker('image', 'inspect', '-f', '{{join .RepoDigests " "}}', `${repo}:v1`)).out).toContain(digest!);
    const byDigest = await docker('pull', `${repo}@${digest}`);
    expect(byDigest.code, byDigest.out).toBe(0);
    // busybox:latest back for the other tests.
    expect((await docker('tag', `${repo}:v1`, 'busybox:latest')).code).toBe(0);
  });

  it('a missing image: dockerd\'s error, and docker run exits 125 after trying to pull', async () => {
    const r = await docker('pull', `${reg.host}/it/nosuch:latest`);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`manifest for ${reg.host}/it/nosuch:latest not found: manifest unknown`);
    const run = await docker('run', '--rm', `${reg.host}/it/nosuch:latest`, 'true');
    expect(run.code).toBe(125);
    expect(run.out).toContain('Unable to find image');
    expect(run.out).toContain('manifest unknown');
  });

  it('interoperates with skopeo: it reads what berth saved and pushed; berth pulls what it pushed', async () => {
    const dir = mkdtempSync('/tmp/bt-sko-');
    try {
      expect((await docker('save', '-o', `${dir}/s.tar`, 'busybox:latest')).code).toBe(0);
      await execFileP('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${dir}/s.tar`, `docker://${reg.host}/it/skopeo:v1`], { timeout: 120_000 });
      const raw = JSON.parse((await execFileP('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/it/skopeo:v1`])).stdout);
      expect(raw.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
      expect((await docker('tag', 'busybox:latest', `${reg.host}/it/bypush:v1`)).code).toBe(0);
      const push = await docker('push', `${reg.host}/it/bypush:v1`);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.out)?.[1];
      const info = JSON.parse((await execFileP('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/it/bypush:v1`])).stdout);
      expect(info.Digest).toBe(digest);
      const pull = await docker('pull', `${reg.host}/it/skopeo:v1`);
      expect(pull.code, pull.out).toBe(0);
      expect((await docker('run', '--rm', `${reg.host}/it/skopeo:v1`, 'echo', 'from-skopeo')).out.trim()).toBe('from-skopeo');
      await docker('rmi', `${reg.host}/it/skopeo:v1`, `${reg.host}/it/bypush:v1`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('save and load round trip (docker-archive)', async () => {
    const dir = mkdtempSync('/tmp/bt-save-');
    try {
      expect((await docker('tag', 'busybox:latest', 'it-saved:v1')).code).toBe(0);
      const save = await docker('save', '-o', `${dir}/s.tar`, 'it-saved:v1');
      expect(save.code, save.out).toBe(0);
      expect((await docker('rmi', 'it-saved:v1')).code).toBe(0);
      const load = await docker('load', '-i', `${dir}/s.tar`);
      expect(load.out).toContain('Loaded image: it-saved:v1');
      expect((await docker('run', '--rm', 'it-saved:v1', 'echo', 'loaded')).out.trim()).toBe('loaded');
      await docker('rmi', 'it-saved:v1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('registry: token auth (Bearer), as Docker Hub does it', () => {
  let reg: RegistryFixture;
  beforeAll(async () => { reg = await startRegistry({ users: { alice: 'pa55-w0rd' } }); });
  afterAll(async () => { await reg.stop(); });

  it('push is refused anonymously; login, push and pull work; the password never shows', async () => {
    const repo = `${reg.host}/alice/app`;
    expect((await docker('tag', 'busybox:latest', `${repo}:v1`)).code).toBe(0);
    const anon = await docker('push', `${repo}:v1`);
    expect(anon.code).not.toBe(0);
    expect(anon.out).toMatch(/unauthorized|authentication required/);
    const bad = await docker('login', '-u', 'alice', '-p', 'wrong-pw', reg.host);
    expect(bad.code).not.toBe(0);
    expect(bad.out).not.toContain('wrong-pw');
    const login = await docker('login', '-u', 'alice', '-p', 'pa55-w0rd', reg.host);
    expect(login.code, login.out).toBe(0);
    expect(login.out).toContain('Login Succeeded');
    const push = await docker('push', `${repo}:v1`);
    expect(push.code, push.out).toBe(0);
    expect(reg.requests.some((r) => r.includes('scope=repository%3Aalice%2Fapp%3Apull%2Cpush'))).toBe(true);
    expect((await docker('rmi', `${repo}:v1`)).code).toBe(0);
    const pull = await docker('pull', `${repo}:v1`);
    expect(pull.code, pull.out).toBe(0);
    expect(t.eng.logs()).not.toContain('pa55-w0rd');
    const events = await t.api('GET', `/events?since=0&until=${Math.ceil(Date.now() / 1000)}`);
    expect(events.body).not.toContain('pa55-w0rd');
    await docker('rmi', `${repo}:v1`);
  });
});

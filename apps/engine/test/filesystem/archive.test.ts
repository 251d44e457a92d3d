/**
 * docker cp through the Docker API against a real berthd (HEAD/GET/PUT /containers/{id}/archive) and
 * the security cases T14-T18 of notes/security.md, with host canaries checked after each case.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import { useEngine } from '../helpers/suite.js';
import { demux } from '../helpers/http.js';

const t = useEngine();
const { api, create } = t;
const tag = randomBytes(4).toString('hex');
const hostCanaries: string[] = [];

afterAll(async () => {
  for (const f of hostCanaries) await fs.rm(f, { force: true, recursive: true });
});

async function makeTar(entries: { name: string; content?: string; type?: 'file' | 'directory' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const type = e.type ?? 'file';
    await new Promise<void>((res, rej) => p.entry({ name: e.name, type, linkname: e.linkname, mode: type === 'directory' ? 0o755 : 0o644 }, type === 'file' ? (e.content ?? '') : '', (err) => (err ? rej(err) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function untar(raw: Buffer): Promise<Map<string, string>> {
  const ex = tarExtract();
  const out = new Map<string, string>();
  ex.end(raw);
  for await (const e of ex) {
    const c: Buffer[] = [];
    for await (const b of e) c.push(b as Buffer);
    out.set(e.header.name, e.header.type === 'symlink' ? `-> ${e.header.linkname}` : Buffer.concat(c).toString());
  }
  return out;
}

async function sh(id: string, cmd: string): Promise<string> {
  const ex = await api('POST', `/containers/${id}/exec`, { Cmd: ['sh', '-c', cmd], AttachStdout: true, AttachStderr: true });
  expect(ex.status, ex.body).toBe(201);
  const r = await api('POST', `/exec/${JSON.parse(ex.body).Id}/start`, { Detach: false, Tty: false });
  return demux(r.raw).stdout;
}

const put = (id: string, p: string, body: Buffer, q = '') =>
  api('PUT', `/containers/${id}/archive?path=${encodeURIComponent(p)}${q}`, body, { 'Content-Type': 'application/x-tar' });
/** The temporary rootfs mounts of cp on stopped containers are released (asynchronously after a GET stream ends). */
async function cpMountsGone(): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(`${t.eng.execRoot}/cp-`)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
const stat = (h: string | string[] | undefined) => JSON.parse(Buffer.from(String(h), 'base64').toString());

async function running(cmd = 'sleep 1000'): Promise<string> {
  const id = await create({ Cmd: ['sh', '-c', cmd] });
  expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
  return id;
}

describe('docker cp over the archive API', () => {
  it('HEAD/GET/PUT on a running and a stopped container, with the path-stat header', async () => {
    const id = await running();
    expect((await put(id, '/tmp', await makeTar([{ name: 'd/', type: 'directory' }, { name: 'd/f.txt', content: 'hi' }]))).status).toBe(200);
    expect(await sh(id, 'cat /tmp/d/f.txt')).toBe('hi');
    const h = await api('HEAD', `/containers/${id}/archive?path=/tmp/d`);
    expect(h.status).toBe(200);
    expect(stat(h.headers['x-docker-container-path-stat'])).toMatchObject({ name: 'd', linkTarget: '' });
    expect(stat(h.headers['x-docker-container-path-stat']).mode >>> 31).toBe(1); // Go ModeDir
    const g = await api('GET', `/containers/${id}/archive?path=/tmp/d`);
    expect(g.status).toBe(200);
    expect(g.headers['content-type']).toBe('application/x-tar');
    expect((await untar(g.raw)).get('d/f.txt')).toBe('hi');
    const miss = await api('GET', `/containers/${id}/archive?path=/nope`);
    expect(miss.status).toBe(404);
    expect(JSON.parse(miss.body).message).toBe(`Could not find the file /nope in container ${id}`);
    expect((await api('GET', `/containers/${id}/archive`)).status).toBe(400);
    expect((await put(id, '/tmp/d/f.txt', await makeTar([{ name: 'x', content: '' }]))).status).toBe(400); // not a directory
    await api('POST', `/containers/${id}/kill`);
    await api('POST', `/containers/${id}/wait`);
    expect((await put(id, '/', await makeTar([{ name: 'stopped.txt', content: 'st' }]))).status).toBe(200);
    const g2 = await api('GET', `/containers/${id}/archive?path=/stopped.txt`);
    expect((await untar(g2.raw)).get('stopped.txt')).toBe('st');
    expect(await cpMountsGone()).toBe(true);
  });

  it('T15: cp into a symlink to / stays in the container; cp out through it reads the container', async () => {
    const id = await running();
    await sh(id, 'ln -s / /test');
    const name = `bt-t15-${tag}`;
    hostCanaries.push(`/${name}`);
    expect((await put(id, '/test/', await makeTar([{ name, content: 'inside' }]))).status).toBe(200);
    expect(await sh(id, `cat /${name}`)).toBe('inside');
    expect(existsSync(`/${name}`)).toBe(false);
    const h = await api('HEAD', `/containers/${id}/archive?path=/test`);
    expect(stat(h.headers['x-docker-container-path-stat']).linkTarget).toBe('/');
    const g = await api('GET', `/containers/${id}/archive?path=/test/etc/passwd`);
    expect((await untar(g.raw)).get('passwd')).toBe(await sh(id, 'cat /etc/passwd'));
  });

  it('T16: 500 cp in and out while the container swaps /w between a dir and a symlink to /', async () => {
    const secret = `bt-t16-secret-${tag}`;
    await fs.writeFile(`/${secret}`, 'HOSTSECRET');
    hostCanaries.push(`/${secret}`);
    const id = await running(`mkdir /w && echo inside > /w/${secret} && while :; do mv /w /w.d; ln -s / /w; usleep 2000; rm /w; mv /w.d /w; usleep 2000; done`);
    await new Promise((r) => setTimeout(r, 300));
    let ok = 0;
    for (let i = 0; i < 500; i++) {
      const name = `bt-t16-in-${tag}-${i}`;
      hostCanaries.push(`/${name}`);
      const p = await put(id, '/w', await makeTar([{ name, content: 'c' }]));
      expect([200, 404, 409]).toContain(p.status);
      const g = await api('GET', `/containers/${id}/archive?path=/w/${secret}`);
      expect([200, 404]).toContain(g.status);
      if (g.status === 200) {
        ok++;
        expect(g.raw.toString('latin1')).not.toContain('HOSTSECRET');
      }
    }
    expect(ok).toBeGreaterThan(10);
    for (const f of hostCanaries.filter((c) => c.includes('bt-t16-in-'))) expect(existsSync(f), f).toBe(false);
    expect(readFileSync(`/${secret}`, 'utf8')).toBe('HOSTSECRET');
    expect(await cpMountsGone()).toBe(true);
  }, 180_000);

  it('T17: no decompressor is run; xz is refused cleanly, gzip works', async () => {
    const canary = `/tmp/bt-t17-${tag}`;
    hostCanaries.push(canary);
    const id = await running();
    await sh(id, `for b in /usr/bin/xz /usr/bin/unpigz /bin/gzip /usr/bin/bzip2; do printf '#!/bin/sh\\ntouch ${canary}\\n' > $b; chmod +x $b; done`);
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    const r = await put(id, '/', xz);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(600);
    expect((await put(id, '/tmp', gzipSync(await makeTar([{ name: 'gz.txt', content: 'gz' }])))).status).toBe(200);
    expect(await sh(id, 'cat /tmp/gz.txt')).toBe('gz');
    expect((await api('GET', `/containers/${id}/archive?path=/usr/bin/xz`)).status).toBe(200);
    expect(existsSync(canary)).toBe(false);
    expect(await sh(id, `ls ${canary} 2>/dev/null || echo none`)).toBe('none\n');
  });

  it('T18: archive paths with .., NUL or 64 KiB are 400 for HEAD and GET; the daemon lives on', async () => {
    const id = await running();
    for (const method of ['GET', 'HEAD']) {
      for (const p of ['../../../../etc/shadow', '%00', '/etc/%00passwd', 'a'.repeat(65536)]) {
        const r = await api(method, `/containers/${id}/archive?path=${p}`);
        expect(r.status, `${method} ${p.slice(0, 30)}`).toBe(400);
        expect(r.body).not.toContain('root:');
      }
    }
    expect((await api('GET', '/_ping')).status).toBe(200);
  });
});

describe('T14: docker load with hostile names', () => {
  async function loadTar(entries: { name: string; content?: string }[]) {
    return api('POST', '/images/load?quiet=1', await makeTar(entries), { 'Content-Type': 'application/x-tar' });
  }

  it('rejects ../ layer and config paths and non-sha256 ids; writes nothing outside data-root', async () => {
    const canaryDir = `/tmp/bt-t14-${tag}`;
    hostCanaries.push(canaryDir);
    const cases = [
      [{ name: 'manifest.json', content: JSON.stringify([{ Config: `../../../../..${canaryDir}/cfg.json`, RepoTags: ['t14:a'], Layers: [] }]) }],
      [{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['t14:b'], Layers: [`../../../../..${canaryDir}/layer.tar`] }]) }, { name: 'c.json', content: '{}' }],
      [{ name: `../../../../..${canaryDir}/x`, content: 'x' }, { name: 'manifest.json', content: '[]' }],
      [{ name: 'repositories', content: JSON.stringify({ 't14': { c: '../../../../etc' } }) }],
    ];
    for (const c of cases) {
      const r = await loadTar(c);
      expect(r.status, r.body).toBeGreaterThanOrEqual(400);
      expect(existsSync(canaryDir)).toBe(false);
    }
    expect((await api('GET', '/_ping')).status).toBe(200);
  });
});

/**
 * The "see and ship" procedures on a real berthd (issue 9, engine side): layer explorer, changes
 * tree → file diff → commit preview → commit, push with a saved (encrypted) registry login to a
 * real docker-registry behind token auth, the port map and pre-create check, files, stats.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebEngine, type WebEngine } from './web-engine.js';
import { WebClient } from '../../src/web/test-support/web-client.js';
import { startRegistry, freePort, type RegistryFixture } from '../registry/registry-fixture.js';

let e: WebEngine;
let reg: RegistryFixture;
let t: ReturnType<WebEngine['admin']['trpc']>;

beforeAll(async () => {
  reg = await startRegistry({ users: { alice: 's3cret-pw' } });
  e = await startWebEngine(['--insecure-registry', reg.host]);
  t = e.admin.trpc();
}, 90_000);
afterAll(async () => { await e?.stop(); await reg?.stop(); });

const until = async <T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('diff → commit → push, layers, ports, files, stats', () => {
  let ctr = '';
  let image = '';

  it('shows the container changes as a tree and diffs a changed file', async () => {
    ({ id: ctr } = await t.containers.run.mutate({
      image: 'busybox', name: 'edit1',
      cmd: ['sh', '-c', 'echo extra:x:9:9::/:/bin/sh >> /etc/passwd; mkdir -p /app/d; echo hello > /app/d/f; printf \'a\\000b\' > /app/bin.dat; rm /bin/ls; sleep 300'],
    }));
    const root = await until(() => t.containers.changesTree.query({ id: ctr, fresh: true }), (r) => r.counts.D === 1 && r.counts.A >= 3);
    expect(root.entries.map((x) => x.name)).toEqual(expect.arrayContaining(['app', 'bin', 'etc']));
    expect(root.counts).toMatchObject({ D: 1 });
    const app = await t.containers.changesTree.query({ id: ctr, path: '/app/d' });
    expect(app.entries).toEqual([{ name: 'f', path: '/app/d/f', kind: 'A', dir: false, counts: { A: 0, C: 0, D: 0 } }]);
    const diff = await t.containers.fileDiff.query({ id: ctr, path: '/etc/passwd' });
    expect(diff.binary).toBe(false);
    expect(diff.before).not.toContain('extra:x:9');
    expect(diff.after).toContain('extra:x:9');
    const added = await t.containers.fileDiff.query({ id: ctr, path: '/app/d/f' });
    expect(added).toMatchObject({ before: null, after: 'hello\n' });
    expect(await t.containers.fileDiff.query({ id: ctr, path: '/app/bin.dat' })).toMatchObject({ binary: true, before: null, after: '', afterSize: 3 });
    const big = await t.containers.fileDiff.query({ id: ctr, path: '/bin/busybox' });
    expect(big).toMatchObject({ tooLarge: true, before: '', after: '' });
    expect(big.beforeSize).toBeGreaterThan(256 * 1024);
    const pv = await t.containers.commitPreview.query({ id: ctr });
    expect(pv.files).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/etc/passwd', kind: 'C' }), expect.objectContaining({ path: '/app/d/f', kind: 'A', size: 6 }),
      expect.objectContaining({ path: '/bin/ls', kind: 'D' }),
    ]));
    expect(pv.size).toBeGreaterThan(6);
  });

  it('browses the files of a running container', async () => {
    const l = await t.files.list.query({ id: ctr, path: '/app' });
    expect(l.entries.map((x) => [x.name, x.type, x.size])).toEqual([['d', 'dir', expect.any(Number)], ['bin.dat', 'file', 3]]);
    await expect(t.files.list.query({ id: ctr, path: '/app/d/f' })).rejects.toThrow(/not a directory/);
    const raw = await e.admin.request('GET', `/files/${ctr}?path=${encodeURIComponent('/app/d/f')}`);
    expect([raw.status, raw.body, raw.headers['content-disposition']]).toEqual([200, 'hello\n', 'attachment; filename="f"']);
    const tar = await e.admin.request('GET', `/files/${ctr}?path=/app&archive=1`);
    expect(tar.status).toBe(200);
    expect(tar.headers['content-type']).toBe('application/x-tar');
    expect(tar.body).toContain('app/d/f');
    expect((await e.admin.request('GET', `/files/${ctr}?path=/app`)).status).toBe(400);
    expect((await e.admin.request('GET', `/files/${ctr}?path=/nope`)).status).toBe(404);
    expect(await t.files.write.mutate({ id: ctr, path: '/app/up.bin', contentBase64: Buffer.from([1, 2, 0, 3]).toString('base64') })).toEqual({ ok: true, size: 4 });
    const up = await e.admin.request('GET', `/files/${ctr}?path=/app/up.bin`);
    expect([up.status, up.headers['content-length']]).toEqual([200, '4']);
    await t.files.write.mutate({ id: ctr, path: '/app/d/f', content: 'edited\n' });
    expect((await t.containers.fileDiff.query({ id: ctr, path: '/app/d/f' })).after).toBe('edited\n');
    await t.files.write.mutate({ id: ctr, path: '/app/d/f', content: 'hello\n' });
    await expect(t.files.write.mutate({ id: ctr, path: '/nodir/x', content: 'x' })).rejects.toThrow(/Could not find/);
    const anon = new WebClient(e.port);
    expect((await anon.request('GET', `/files/${ctr}?path=/app/d/f`)).status).toBe(401);
    await expect(t.files.list.query({ id: ctr, path: '/../../etc' })).rejects.toThrow(/climbs above/);
  });

  it('commits with changes, then explores the new image\'s layers and wasted bytes', async () => {
    ({ id: image } = await t.containers.commit.mutate({ id: ctr, repo: 'edited', tag: 'v1', message: 'edit', author: 'me', changes: ['ENV FOO=bar'] }));
    const img = await t.images.inspect.query({ id: 'edited:v1' });
    expect(img.config.env).toContain('FOO=bar');
    const layers = await t.images.layers.query({ id: image });
    const real = layers.filter((l) => !l.emptyLayer);
    expect(real).toHaveLength(2);
    expect(real[1]!.diffId).toMatch(/^sha256:/);
    const top = await t.images.layerTree.query({ id: image, layer: 1, path: '/bin' });
    expect(top.entries).toEqual([expect.objectContaining({ name: 'ls', change: 'D' })]);
    const etc = await t.images.layerTree.query({ id: image, layer: 1, path: '/etc' });
    expect(etc.entries).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'passwd', change: 'C' })]));
    const base = await t.images.layerTree.query({ id: image, layer: 0, path: '/', limit: 2 });
    expect(base.entries).toHaveLength(2);
    expect(base.total).toBeGreaterThan(2);
    const w = await t.images.wasted.query({ id: image });
    expect(w.items).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/etc/passwd', layer: 0, by: 1, reason: 'overwritten' })]));
    expect(w.totalBytes).toBeGreaterThan(0);
  });

  it('saves a registry login without ever returning the secret, and pushes with it', async () => {
    const saved = await t.registries.save.mutate({ server: reg.host, username: 'alice', password: 's3cret-pw' });
    const list = await t.registries.list.query();
    expect(list).toEqual([saved]);
    expect(JSON.stringify(list)).not.toContain('s3cret');
    const dataRoot = /--data-root(?:=|\s)(\S+)/.exec(e.proc.spawnargs.join(' '))?.[1] ?? '';
    expect(readFileSync(path.join(dataRoot, 'web', 'registries.json'), 'utf8')).not.toContain('s3cret');
    const events: { status: string; id?: string; current?: number; total?: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = t.images.push.subscribe({ image: 'edited:v1', registryId: saved.id }, {
        onData: (d) => { events.push(d); if (d.status === 'done') { sub.unsubscribe(); resolve(); } },
        onError: reject,
      });
    });
    expect(events[0]).toEqual({ status: 'tagged', id: `${reg.host}/edited:v1` });
    expect(events.some((x) => x.status === 'Pushed' || x.status === 'Layer already exists')).toBe(true);
    const tags = await fetch(`http://${reg.host}/v2/edited/tags/list`).then((r) => r.status);
    expect(tags).toBe(401); // token auth: the push above authenticated with the saved login
    await t.registries.remove.mutate({ id: saved.id });
    expect(await t.registries.list.query()).toEqual([]);
  });

  it('maps published ports and checks a port before create', async () => {
    const hostPort = await freePort();
    const { id } = await t.containers.run.mutate({ image: 'busybox', name: 'web1', cmd: ['sleep', '300'], ports: [{ host: hostPort, container: 80, proto: 'tcp' }] });
    const map = await t.ports.map.query();
    expect(map).toEqual(expect.arrayContaining([expect.objectContaining({ hostPort, proto: 'tcp', containerId: id, containerName: 'web1', containerPort: 80, active: true })]));
    expect(await t.ports.check.query({ hostPort, proto: 'tcp' })).toEqual({ free: false, heldBy: { containerId: id, name: 'web1' } });
    expect(await t.ports.check.query({ hostPort, proto: 'udp' })).toEqual({ free: true });
    expect(await t.ports.check.query({ hostPort: e.port, proto: 'tcp' })).toEqual({ free: false, heldBy: 'host' });
  });

  it('keeps contents, commit and push from viewers; their registry list is their own', async () => {
    await t.users.create.mutate({ username: 'viewer1', password: 'viewer-pass', role: 'viewer' });
    const v = new WebClient(e.port);
    expect((await v.login('viewer1', 'viewer-pass')).status).toBe(204);
    const vt = v.trpc();
    expect((await vt.containers.changesTree.query({ id: ctr })).counts.A).toBeGreaterThan(0);
    await expect(vt.containers.fileDiff.query({ id: ctr, path: '/etc/passwd' })).rejects.toThrow(/admin role required/);
    await expect(vt.containers.commit.mutate({ id: ctr })).rejects.toThrow(/admin role required/);
    await expect(vt.files.write.mutate({ id: ctr, path: '/app/x', content: 'x' })).rejects.toThrow(/admin role required/);
    expect((await v.request('GET', `/files/${ctr}?path=/etc/passwd`)).status).toBe(403);
    await t.registries.save.mutate({ server: 'other.example:5000', username: 'adm', password: 'pw-of-admin' });
    expect(await vt.registries.list.query()).toEqual([]);
    v.close();
  });

  it('serves stats history and the host overview', async () => {
    const h = await until(() => t.stats.history.query({ id: ctr }), (r) => r.points.length >= 2);
    expect(h.step).toBe(1);
    expect(h.points.length).toBeGreaterThanOrEqual(2);
    const host = await until(() => t.stats.host.query(), (r) => r.top.length >= 1);
    expect(host.host.memTotal).toBeGreaterThan(0);
    expect(host.host.ncpu).toBeGreaterThan(0);
    expect(host.top.map((x) => x.name)).toContain('edit1');
  });

  it('browses a stopped container and diffs its files', async () => {
    await t.containers.stop.mutate({ id: ctr, timeoutSec: 0 });
    const l = await t.files.list.query({ id: ctr, path: '/app/d' });
    expect(l.entries).toEqual([expect.objectContaining({ name: 'f', type: 'file', size: 6 })]);
    expect((await t.containers.fileDiff.query({ id: ctr, path: '/app/d/f' })).after).toBe('hello\n');
  });
});

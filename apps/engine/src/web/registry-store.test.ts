import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryStore } from './registry-store.js';

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync('/tmp/bt-rs-'); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('RegistryStore', () => {
  it('keeps passwords encrypted at rest and per user', async () => {
    const root = tmp();
    const s = new RegistryStore(root);
    const a = await s.save('alice', { server: 'http://127.0.0.1:5000/', username: 'al', password: 'hunter2-secret' });
    expect(a).toEqual({ id: expect.any(String), server: '127.0.0.1:5000', username: 'al' });
    expect(await s.list('alice')).toEqual([a]);
    expect(await s.list('bob')).toEqual([]);
    const raw = readFileSync(`${root}/web/registries.json`, 'utf8');
    expect(raw).not.toContain('hunter2');
    expect(statSync(`${root}/web/registries.json`).mode & 0o777).toBe(0o600);
    expect(statSync(`${root}/web/registry.key`).mode & 0o777).toBe(0o600);
    expect(statSync(`${root}/web/registry.key`).size).toBe(32);
    expect(await s.credentials('alice', a.id)).toEqual({ server: '127.0.0.1:5000', username: 'al', password: 'hunter2-secret' });
    await expect(s.credentials('bob', a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A fresh process reads the same key.
    expect((await new RegistryStore(root).credentials('alice', a.id)).password).toBe('hunter2-secret');
  });

  it('replaces the password of the same login and refuses a moved ciphertext', async () => {
    const root = tmp();
    const s = new RegistryStore(root);
    const a = await s.save('alice', { server: 'r:5000', username: 'al', password: 'one' });
    const a2 = await s.save('alice', { server: 'r:5000', username: 'al', password: 'two' });
    expect(a2.id).toBe(a.id);
    expect((await s.credentials('alice', a.id)).password).toBe('two');
    const b = await s.save('bob', { server: 'r:5000', username: 'bo', password: 'three' });
    const file = `${root}/web/registries.json`;
    const j = JSON.parse(readFileSync(file, 'utf8')) as { registries: { owner: string; secret: unknown }[] };
    j.registries[1]!.secret = j.registries[0]!.secret; // alice's sealed secret pasted onto bob's entry
    writeFileSync(file, JSON.stringify(j));
    await expect(new RegistryStore(root).credentials('bob', b.id)).rejects.toMatchObject({ code: 'DATA_LOSS' });
    await s.remove('alice', a.id);
    expect(await s.list('alice')).toEqual([]);
    await expect(s.remove('alice', a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

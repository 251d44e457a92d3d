import { describe, expect, it } from 'vitest';
import type { ContainerChange, EngineServices } from '@berth/runtime';
import { appRouter } from '../root.js';
import type { WebPort } from '../web-port.js';

function caller(services: Partial<EngineServices>, role: 'admin' | 'viewer' = 'admin', web?: Partial<WebPort>) {
  return appRouter.createCaller({
    services: services as EngineServices, user: { username: 'u', role }, sessionId: 's',
    web: { sessionAlive: () => true, ...web } as WebPort,
  });
}

describe('issue 9 procedures over fakes', () => {
  it('scans the changes once for several expands, and again when asked fresh', async () => {
    let scans = 0;
    const changes: ContainerChange[] = [{ path: '/a', kind: 1 }, { path: '/a/b', kind: 1 }, { path: '/c', kind: 2 }];
    const c = caller({ containers: { changes: async () => { scans++; return changes; } } as never });
    const root = await c.containers.changesTree({ id: 'x1' });
    expect(root).toMatchObject({ counts: { A: 2, C: 0, D: 1 }, changes: 3, total: 2 });
    expect((await c.containers.changesTree({ id: 'x1', path: '/a' })).entries.map((e) => e.name)).toEqual(['b']);
    expect(scans).toBe(1);
    await c.containers.changesTree({ id: 'x1', fresh: true });
    expect(scans).toBe(2);
  });

  it('answers PRECONDITION_FAILED when the engine lacks an extension', async () => {
    const c = caller({ images: {} as never, containers: {} as never, system: {} as never });
    await expect(c.images.layers({ id: 'x' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: 'layer explorer not available' });
    await expect(c.ports.map()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(c.files.list({ id: 'x', path: '/' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(c.registries.list()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('keeps file contents, commit and uploads admin-only', async () => {
    const c = caller({ containers: { fileVersions: async () => ({}) } as never }, 'viewer');
    await expect(c.containers.fileDiff({ id: 'x', path: '/etc/passwd' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.containers.commit({ id: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.files.write({ id: 'x', path: '/a', content: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lists registries without secrets, scoped to the caller', async () => {
    const seen: string[] = [];
    const c = caller({}, 'viewer', { registries: {
      list: async (owner) => { seen.push(owner); return [{ id: '1', server: 'r:5000', username: 'me' }]; },
    } as never });
    expect(await c.registries.list()).toEqual([{ id: '1', server: 'r:5000', username: 'me' }]);
    expect(seen).toEqual(['u']);
  });
});

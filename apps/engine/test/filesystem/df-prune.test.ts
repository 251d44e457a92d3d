/**
 * GET /system/df, POST /containers/prune and POST /images/prune against a real berthd.
 */
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';

const t = useEngine();
const { api, create } = t;

describe('system df and prune', () => {
  it('df reports images, containers with SizeRw and volumes; prune removes stopped containers and dangling images', async () => {
    const keep = await create({ Cmd: ['sleep', '1000'] });
    expect((await api('POST', `/containers/${keep}/start`)).status).toBe(204);
    const gone = await create({ Cmd: ['sh', '-c', 'dd if=/dev/zero of=/f bs=1k count=64 2>/dev/null'], Labels: { p: '1' } });
    expect((await api('POST', `/containers/${gone}/start`)).status).toBe(204);
    await api('POST', `/containers/${gone}/wait`);
    const commit = await api('POST', `/commit?container=${gone}`);
    expect(commit.status, commit.body).toBe(201);
    const dangling = JSON.parse(commit.body).Id as string;

    const df = await api('GET', '/system/df');
    expect(df.status, df.body).toBe(200);
    const d = JSON.parse(df.body);
    expect(d.LayersSize).toBeGreaterThan(0);
    expect(d.BuildCache).toEqual([]);
    expect(d.Images.map((i: { Id: string }) => i.Id)).toContain(dangling);
    const busybox = d.Images.find((i: { RepoTags: string[] }) => i.RepoTags.includes('busybox:latest'));
    expect(busybox.Containers).toBe(2);
    const g = d.Containers.find((c: { Id: string }) => c.Id === gone);
    expect(g.SizeRw).toBeGreaterThanOrEqual(64 * 1024);
    expect(g.SizeRootFs).toBeGreaterThan(g.SizeRw);

    expect((await api('POST', '/containers/prune?filters=' + encodeURIComponent('{"bogus":["x"]}'))).status).toBe(400);
    const cp = await api('POST', '/containers/prune?filters=' + encodeURIComponent('{"label":["p=1"]}'));
    expect(cp.status, cp.body).toBe(200);
    const cpr = JSON.parse(cp.body);
    expect(cpr.ContainersDeleted).toEqual([gone]);
    expect(cpr.SpaceReclaimed).toBeGreaterThanOrEqual(64 * 1024);
    expect((await api('GET', `/containers/${keep}/json`)).status).toBe(200);

    const ip = await api('POST', '/images/prune');
    expect(ip.status, ip.body).toBe(200);
    expect(JSON.parse(ip.body).ImagesDeleted).toContainEqual({ Deleted: dangling });
    expect((await api('GET', '/images/busybox:latest/json')).status).toBe(200);
    const all = await api('POST', '/images/prune?filters=' + encodeURIComponent('{"dangling":["false"]}'));
    expect(JSON.parse(all.body).ImagesDeleted).toBeNull(); // busybox is used by a running container
  });
});

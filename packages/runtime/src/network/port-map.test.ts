import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createPortMapService, parseProcAddr, portMapRows, procSocketsOn } from './port-map.js';
import type { ContainerRecord } from '../containers/container-types.js';

const rec = (id: string, status: string, ports: Record<string, { hostIp: string; hostPort: string }[]>) =>
  ({ id, name: `/${id}`, state: { status }, hostConfig: { portBindings: ports }, network: { ports } }) as unknown as ContainerRecord;

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const HEADER = '  sl  local_address rem_address   st tx_queue\n';

describe('port map', () => {
  it('decodes /proc/net addresses', () => {
    expect(parseProcAddr('0100007F:1F90')).toEqual({ ip: '127.0.0.1', port: 8080 });
    expect(parseProcAddr('00000000000000000000000000000000:0050')).toEqual({ ip: '::', port: 80 });
    expect(procSocketsOn(`${HEADER}   0: 00000000:1F90 00000000:0000 0A 0\n   1: 00000000:0050 00000000:0000 01 0\n`, 'tcp', 8080)).toEqual(['0.0.0.0']);
    expect(procSocketsOn(`${HEADER}   1: 00000000:0050 00000000:0000 01 0\n`, 'tcp', 80)).toEqual([]);
  });

  it('lists bindings and marks only running holders active', () => {
    const rows = portMapRows([rec('a', 'running', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }), rec('b', 'exited', { '53/udp': [{ hostIp: '127.0.0.1', hostPort: '5353' }] })]);
    expect(rows).toEqual([
      { hostIp: '0.0.0.0', hostPort: 5353, proto: 'udp', containerId: 'b', containerName: 'b', containerPort: 53, state: 'exited', active: false },
      { hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerId: 'a', containerName: 'a', containerPort: 80, state: 'running', active: true },
    ].map((r, i) => (i === 0 ? { ...r, hostIp: '127.0.0.1' } : r)));
  });

  it('checks records, then host sockets, then a bind probe', async () => {
    const dir = mkdtempSync('/tmp/bt-pm-');
    dirs.push(dir);
    writeFileSync(`${dir}/tcp`, `${HEADER}   0: 0100007F:0BB8 00000000:0000 0A 0\n`);
    let probes = 0;
    const svc = createPortMapService({
      records: () => [rec('a', 'running', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }), rec('b', 'exited', { '80/tcp': [{ hostIp: '', hostPort: '9090' }] })],
      procNet: dir, probe: async () => { probes++; return 'free'; },
    });
    expect(await svc.check({ hostPort: 8080, proto: 'tcp' })).toEqual({ free: false, heldBy: { containerId: 'a', name: 'a' } });
    expect(await svc.check({ hostPort: 8080, proto: 'udp' })).toEqual({ free: true });
    expect(await svc.check({ hostPort: 9090, proto: 'tcp' })).toEqual({ free: true });
    expect(await svc.check({ hostIp: '0.0.0.0', hostPort: 3000, proto: 'tcp' })).toEqual({ free: false, heldBy: 'host' });
    expect(await svc.check({ hostIp: '10.0.0.1', hostPort: 3000, proto: 'tcp' })).toEqual({ free: true });
    expect(probes).toBe(3);
    await expect(svc.check({ hostIp: 'nope', hostPort: 1, proto: 'tcp' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('finds a real listener with the bind probe', async () => {
    const net = await import('node:net');
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    try {
      const svc = createPortMapService({ records: () => [], procNet: '/nonexistent' });
      expect(await svc.check({ hostIp: '127.0.0.1', hostPort: port, proto: 'tcp' })).toEqual({ free: false, heldBy: 'host' });
    } finally { s.close(); }
  });
});

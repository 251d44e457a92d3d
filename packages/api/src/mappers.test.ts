import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '@berth/runtime';
import { containerRow, humanDuration, statusText } from './mappers.js';
import { runSpec, statRow } from './routers/containers.js';
import { logLine, matcher } from './routers/logs.js';

const rec = (over: Partial<ContainerRecord['state']> = {}): ContainerRecord => ({
  id: 'c1', name: '/web', created: '2026-01-01T00:00:00Z', path: 'sh', args: ['-c', 'x'], image: 'sha256:i',
  config: { image: 'busybox', tty: false, exposedPorts: { '80/tcp': {} } } as unknown as ContainerRecord['config'],
  hostConfig: { portBindings: { '80/tcp': [{ hostIp: '', hostPort: '8080' }] } } as unknown as ContainerRecord['hostConfig'],
  state: { status: 'running', pid: 1, exitCode: 0, error: '', startedAt: '2026-01-01T00:00:00Z', finishedAt: null, oomKilled: false, restartCount: 0, ...over },
  snapshotKey: 'k', logPath: '/l', generation: 0,
});

describe('mappers', () => {
  it('humanDuration follows go-units', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86400_000)).toBe('3 days');
  });
  it('container rows carry the decide() status and Docker text', () => {
    const now = Date.parse('2026-01-01T00:05:00Z');
    expect(containerRow(rec(), now)).toMatchObject({ name: 'web', state: 'running', status: 'Up 5 minutes', command: 'sh -c x',
      ports: [{ container: 80, proto: 'tcp', hostIp: '', host: 8080 }] });
    expect(statusText(rec({ status: 'exited', exitCode: 3, finishedAt: '2026-01-01T00:04:00Z' }), now)).toBe('Exited (3) About a minute ago');
    expect(statusText(rec({ status: 'created', startedAt: null }), now)).toBe('Created');
  });
  it('runSpec builds the docker-run create spec', () => {
    const s = runSpec({ image: 'nginx', name: 'n1', cmd: ['a'], env: ['A=1'], ports: [{ container: 80, host: 8080, proto: 'tcp' }],
      volumes: [{ source: '/srv', target: '/data', readOnly: true }], tty: true });
    expect(s).toEqual({ name: 'n1', config: { image: 'nginx', tty: true, openStdin: true, attachStdin: false, attachStdout: true, attachStderr: true,
      exposedPorts: { '80/tcp': {} }, env: ['A=1'], cmd: ['a'] },
    hostConfig: { portBindings: { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }, binds: ['/srv:/data:ro'] } });
  });
  it('statRow computes CPU % like the docker CLI', () => {
    const s = (total: number, sys: number) => ({ id: 'c', name: '/c', cpu: { totalUsage: total, systemCpuUsage: sys, onlineCpus: 2, percpuUsage: [] },
      memory: { usage: 1000, limit: 4000, stats: { total_inactive_file: 200 } }, pids: { current: 3 } }) as never;
    expect(statRow(s(2e9, 10e9), s(1e9, 6e9))).toEqual({ id: 'c', name: 'c', cpuPercent: 50, memUsage: 800, memLimit: 4000, pids: 3 });
    expect(statRow(s(2e9, 10e9), undefined).cpuPercent).toBe(0);
  });
  it('log lines lose their newline; matcher does substring or regex', () => {
    expect(logLine({ stream: 'stderr', time: 't', data: Buffer.from('x\r\n') })).toEqual({ stream: 'stderr', ts: 't', text: 'x' });
    expect(matcher('ERR', false)('an error')).toBe(true);
    expect(matcher('^a\\d$', true)('a7')).toBe(true);
    expect(() => matcher('(', true)).toThrow(/invalid regular expression/);
  });
});

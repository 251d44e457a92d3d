import { describe, expect, it } from 'vitest';
import type { ContainerState } from '@berth/runtime';
import { humanDuration } from './human-duration.js';
import { statusText, toDockerState, ZERO_TIME } from './container-state.js';
import { isZero, toCreateSpec } from './container-create.js';
import { ContainerCreateBodySchema } from '../schema/container-create.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (go-units)', () => {
  it.each([
    [0, 'Less than a second'], [999, 'Less than a second'], [S, '1 second'], [59 * S, '59 seconds'], [M, 'About a minute'],
    [2 * M, '2 minutes'], [59 * M, '59 minutes'], [H, 'About an hour'], [90 * M, '2 hours'], [47 * H, '47 hours'],
    [2 * D, '2 days'], [13 * D, '13 days'], [14 * D, '2 weeks'], [59 * D, '8 weeks'], [60 * D, '2 months'], [729 * D, '24 months'],
    [730 * D, '2 years'],
  ])('%i ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('container state', () => {
  const base: ContainerState = { status: 'exited', pid: 0, exitCode: 3, error: '', startedAt: null, finishedAt: null, oomKilled: false, restartCount: 0 };
  const now = Date.parse('2026-01-01T00:01:00Z');
  it('renders ps STATUS like State.String()', () => {
    expect(statusText({ ...base, status: 'created' }, now)).toBe('Created');
    expect(statusText({ ...base, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:57Z' }, now)).toBe('Exited (3) 3 seconds ago');
    expect(statusText({ ...base, status: 'running', startedAt: '2026-01-01T00:00:00Z' }, now)).toBe('Up About a minute');
    expect(statusText({ ...base, status: 'paused', startedAt: '2026-01-01T00:00:55Z' }, now)).toBe('Up 5 seconds (Paused)');
    expect(statusText({ ...base, status: 'restarting', finishedAt: '2026-01-01T00:00:59Z' }, now)).toBe('Restarting (3) 1 second ago');
    expect(statusText({ ...base, status: 'removing' }, now)).toBe('Removal In Progress');
    expect(statusText({ ...base, status: 'dead' }, now)).toBe('Dead');
  });
  it('derives Docker booleans from the single status', () => {
    expect(toDockerState({ ...base, status: 'paused', pid: 9 })).toMatchObject({ Status: 'paused', Running: true, Paused: true, Pid: 9, StartedAt: ZERO_TIME });
    expect(toDockerState({ ...base, status: 'starting' })).toMatchObject({ Status: 'created', Running: false });
  });
});

describe('create body → spec', () => {
  const spec = (body: unknown, name?: string) => toCreateSpec(ContainerCreateBodySchema.parse(body), name);
  it('maps the fields the engine runs with and normalises ports and StrSlice', () => {
    const s = spec({
      Image: 'busybox', Cmd: 'echo hi', Entrypoint: null, Env: ['A=1'], Tty: true, ExposedPorts: { '80': {} }, Labels: { a: 'b' },
      HostConfig: { NetworkMode: 'default', PortBindings: { '80': [{ HostIp: '', HostPort: '8080' }] }, RestartPolicy: { Name: '' },
        PidsLimit: -1, ConsoleSize: [24, 80], LogConfig: { Type: '', Config: {} }, MemorySwappiness: -1, Ulimits: [] },
    }, '/web');
    expect(s).toEqual({
      name: 'web',
      config: { image: 'busybox', cmd: ['echo hi'], env: ['A=1'], tty: true, exposedPorts: { '80/tcp': {} }, labels: { a: 'b' } },
      hostConfig: { networkMode: 'bridge', portBindings: { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }, restartPolicy: { name: 'no', maximumRetryCount: 0 },
        pidsLimit: null, consoleSize: [24, 80] },
    });
  });
  it('reports non-zero unsupported fields and refuses the dangerous ones', () => {
    expect(spec({ Image: 'b', Shell: ['sh'], HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 2 }], OomScoreAdj: 0, Sysctls: { a: '1' } } }).ignored)
      .toEqual(['Shell', 'HostConfig.Sysctls']);
    expect(() => spec({ Image: 'b', HostConfig: { PidMode: 'host' } })).toThrow('HostConfig.PidMode is not supported by Berth');
    expect(spec({ Image: 'b', HostConfig: { IpcMode: 'private', Runtime: 'runc' } }).ignored).toBeUndefined();
    expect(() => spec({ Image: 'b', HostConfig: { RestartPolicy: { Name: 'sometimes' } } })).toThrow(/unknown policy 'sometimes'/);
    expect(() => spec({ Image: '' })).toThrow(/no image specified/);
    expect(() => spec({ Image: 'b' }, 'x')).toThrow('Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });
  it('treats Go zero values as unset', () => {
    expect([null, '', 0, false, [], {}, { Type: '', Config: {} }].every(isZero)).toBe(true);
    expect([1, 'x', [0], { a: 1 }].some(isZero)).toBe(false);
  });
});

describe('limits, devices and healthcheck on create', () => {
  const spec = (body: unknown) => toCreateSpec(ContainerCreateBodySchema.parse(body), undefined);
  it('maps resources, ulimits, devices and the healthcheck to the domain', () => {
    const s = spec({
      Image: 'b', Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Timeout: 0, Retries: 2 },
      HostConfig: { CpuQuota: 50000, CpuPeriod: 100000, CpusetCpus: '0', MemoryReservation: 8 << 20, BlkioWeight: 300,
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }], Devices: [{ PathOnHost: '/dev/null', PathInContainer: '', CgroupPermissions: '' }] },
    });
    expect(s.config.healthcheck).toEqual({ test: ['CMD-SHELL', 'true'], interval: 1e9, retries: 2 });
    expect(s.hostConfig).toMatchObject({ cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', memoryReservation: 8 << 20, blkioWeight: 300,
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }], devices: [{ pathOnHost: '/dev/null', pathInContainer: '/dev/null', cgroupPermissions: 'rwm' }] });
    expect(s.ignored).toBeUndefined();
  });
});

describe('State.Health', () => {
  const base: ContainerState = { status: 'running', pid: 5, exitCode: 0, error: '', startedAt: new Date(Date.now() - 5000).toISOString(), finishedAt: null, oomKilled: false, restartCount: 0 };
  it('shows Health in inspect and "(healthy)" in ps only when a check exists', () => {
    const log = [{ start: 'a', end: 'b', exitCode: 0, output: 'ok' }];
    const st = toDockerState({ ...base, health: { status: 'healthy', failingStreak: 0, log } });
    expect(st.Health).toEqual({ Status: 'healthy', FailingStreak: 0, Log: [{ Start: 'a', End: 'b', ExitCode: 0, Output: 'ok' }] });
    expect(toDockerState(base).Health).toBeUndefined();
    expect(statusText({ ...base, health: { status: 'healthy', failingStreak: 0, log } })).toMatch(/^Up \d+ seconds \(healthy\)$/);
    expect(statusText({ ...base, health: { status: 'starting', failingStreak: 0, log: [] } })).toMatch(/\(health: starting\)$/);
    expect(statusText(base)).toMatch(/^Up \d+ seconds$/);
  });
});

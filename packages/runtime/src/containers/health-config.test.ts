import { describe, expect, it } from 'vitest';
import { foldProbe, goDuration, probeCommand, startingHealth, timings, validateHealthConfig } from './health-config.js';

const at = (ms: number) => new Date(1_700_000_000_000 + ms).toISOString();
const result = (ms: number, exitCode: number) => ({ start: at(ms), end: at(ms + 10), exitCode, output: `r${ms}` });

describe('healthcheck config', () => {
  it('maps Test to the probe argv', () => {
    expect(probeCommand({ test: ['CMD', 'true', 'x'] })).toEqual(['true', 'x']);
    expect(probeCommand({ test: ['CMD-SHELL', 'test -e /tmp/ready'] })).toEqual(['/bin/sh', '-c', 'test -e /tmp/ready']);
    expect(probeCommand({ test: ['NONE'] })).toBeUndefined();
    expect(probeCommand(undefined)).toBeUndefined();
  });
  it("validates with Docker's messages and fills defaults", () => {
    expect(() => validateHealthConfig({ interval: 10 })).toThrow('Interval in Healthcheck cannot be less than 1ms');
    expect(() => validateHealthConfig({ retries: -1 })).toThrow('Retries in Healthcheck cannot be negative');
    expect(timings({})).toEqual({ intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, startIntervalMs: 5000, retries: 3 });
    expect([goDuration(5000), goDuration(1500), goDuration(500), goDuration(90000)]).toEqual(['5s', '1.5s', '500ms', '1m30s']);
  });
});

describe('probe results → State.Health (moby handleProbeResult)', () => {
  const t = timings({ retries: 2, startPeriod: 3e9 });
  it('goes unhealthy after `retries` failures, healthy on any success, keeps the last 5 results', () => {
    let h = startingHealth();
    h = foldProbe(h, result(5000, 1), t, at(0));
    expect(h).toMatchObject({ status: 'starting', failingStreak: 1 });
    h = foldProbe(h, result(6000, 1), t, at(0));
    expect(h).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
    h = foldProbe(h, result(7000, 0), t, at(0));
    expect(h).toMatchObject({ status: 'healthy', failingStreak: 0 });
    for (let i = 0; i < 6; i++) h = foldProbe(h, result(8000 + i, 0), t, at(0));
    expect(h.log.map((l) => l.output)).toEqual(['r8001', 'r8002', 'r8003', 'r8004', 'r8005']);
  });
  it('does not count failures inside the start period', () => {
    const h = foldProbe(foldProbe(startingHealth(), result(1000, 1), t, at(0)), result(2000, 1), t, at(0));
    expect(h).toMatchObject({ status: 'starting', failingStreak: 0 });
    expect(h.log).toHaveLength(2);
  });
});

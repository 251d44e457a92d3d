import { describe, expect, it } from 'vitest';
import { Ring, averagePoints, type StatsPoint } from './stats-history.js';

const pt = (t: number, v: number): StatsPoint => ({ t, cpuPercent: v, memUsage: v * 100, memLimit: 1000, pids: v, netRx: t, netTx: t, blkRead: 0, blkWrite: 0 });

describe('stats history rings', () => {
  it('keeps the newest `capacity` points, oldest first, filtered by since', () => {
    const r = new Ring(3);
    for (let i = 1; i <= 5; i++) r.push(pt(i * 1000, i));
    expect(r.points().map((p) => p.t)).toEqual([3000, 4000, 5000]);
    expect(r.points(4000).map((p) => p.cpuPercent)).toEqual([4, 5]);
  });
  it('averages a minute of gauges and keeps the last counter values', () => {
    const a = averagePoints([pt(1000, 1), pt(2000, 3)], 60000);
    expect(a).toMatchObject({ t: 60000, cpuPercent: 2, memUsage: 200, pids: 2, netRx: 2000, memLimit: 1000 });
  });
});

import { describe, expect, it } from 'vitest';
import { nextDelayMs, shouldRestart, shouldStartOnBoot } from './restart-policy.js';
import type { RestartPolicy } from './container-types.js';

const p = (name: RestartPolicy['name'], maximumRetryCount = 0): RestartPolicy => ({ name, maximumRetryCount });
const facts = { exitCode: 1, restartCount: 0, stoppedByUser: false };

describe('shouldRestart (moby restartmanager)', () => {
  it.each([
    ['no', p('no'), facts, false],
    ['undefined policy', undefined, facts, false],
    ['always, exit 0', p('always'), { ...facts, exitCode: 0 }, true],
    ['always, stopped by user', p('always'), { ...facts, stoppedByUser: true }, false],
    ['unless-stopped, exit 0', p('unless-stopped'), { ...facts, exitCode: 0 }, true],
    ['unless-stopped, stopped by user', p('unless-stopped'), { ...facts, stoppedByUser: true }, false],
    ['on-failure, exit 0', p('on-failure'), { ...facts, exitCode: 0 }, false],
    ['on-failure, exit 1, unlimited', p('on-failure'), { ...facts, restartCount: 99 }, true],
    ['on-failure:2, 1 restart done', p('on-failure', 2), { ...facts, restartCount: 1 }, true],
    ['on-failure:2, 2 restarts done', p('on-failure', 2), { ...facts, restartCount: 2 }, false],
    ['on-failure, stopped by user', p('on-failure'), { ...facts, stoppedByUser: true }, false],
  ] as const)('%s → %s', (_name, policy, f, restart) => {
    expect(shouldRestart(policy, f).restart).toBe(restart);
  });

  it('backs off from 100 ms, doubling up to one minute, and starts over after a 10 s run', () => {
    expect(nextDelayMs()).toBe(100);
    expect(nextDelayMs(100, 50)).toBe(200);
    expect(nextDelayMs(200, 9_999)).toBe(400);
    expect(nextDelayMs(51_200)).toBe(60_000);
    expect(nextDelayMs(60_000)).toBe(60_000);
    expect(nextDelayMs(60_000, 10_000)).toBe(100);
    expect(shouldRestart(p('always'), { ...facts, previousDelayMs: 400 })).toEqual({ restart: true, delayMs: 800 });
    expect(shouldRestart(p('no'), facts)).toEqual({ restart: false, delayMs: 0 });
  });

  it('at boot, always comes back even after a manual stop, unless-stopped does not', () => {
    expect(shouldStartOnBoot(p('always'), { ...facts, stoppedByUser: true })).toBe(true);
    expect(shouldStartOnBoot(p('unless-stopped'), { ...facts, stoppedByUser: true })).toBe(false);
    expect(shouldStartOnBoot(p('unless-stopped'), { ...facts, exitCode: 0 })).toBe(true);
    expect(shouldStartOnBoot(p('on-failure', 1), { ...facts, restartCount: 1 })).toBe(false);
    expect(shouldStartOnBoot(p('no'), facts)).toBe(false);
  });
});

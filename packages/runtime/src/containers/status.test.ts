import { describe, expect, it } from 'vitest';
import { CONTAINER_STATUSES, DOCKER_STATE, TRANSITIONS, canTransition, decide, type ContainerOp, type ContainerStatus } from './status.js';

const OPS: ContainerOp[] = ['start', 'stop', 'kill', 'pause', 'unpause', 'restart', 'remove', 'exec', 'attach'];

/** The table from the architecture (§3.5), written out independently of the implementation. */
const EXPECTED: Record<ContainerOp, Partial<Record<ContainerStatus, 'proceed' | 'noop' | 'reject'>>> = {
  start: { created: 'proceed', running: 'noop', paused: 'reject', restarting: 'reject', exited: 'proceed', removing: 'reject', dead: 'reject' },
  stop: { created: 'noop', running: 'proceed', paused: 'proceed', restarting: 'proceed', exited: 'noop', removing: 'reject', dead: 'reject' },
  kill: { created: 'reject', running: 'proceed', paused: 'proceed', restarting: 'reject', exited: 'reject', removing: 'reject', dead: 'reject' },
  pause: { created: 'reject', running: 'proceed', paused: 'reject', restarting: 'reject', exited: 'reject', removing: 'reject', dead: 'reject' },
  unpause: { created: 'reject', running: 'reject', paused: 'proceed', restarting: 'reject', exited: 'reject', removing: 'reject', dead: 'reject' },
  restart: { created: 'proceed', running: 'proceed', paused: 'proceed', exited: 'proceed', removing: 'reject', dead: 'reject' },
  remove: { created: 'proceed', running: 'reject', paused: 'reject', restarting: 'reject', exited: 'proceed', removing: 'reject', dead: 'proceed' },
  exec: { created: 'reject', running: 'proceed', paused: 'reject', restarting: 'reject', exited: 'reject', removing: 'reject', dead: 'reject' },
  attach: { created: 'proceed', running: 'proceed', paused: 'reject', exited: 'proceed', removing: 'reject', dead: 'reject' },
};

describe('decide()', () => {
  const cases = OPS.flatMap((op) => CONTAINER_STATUSES.map((s) => [op, s] as const));
  it.each(cases)('%s on %s', (op, status) => {
    const v = decide(op, status, { name: 'c1' });
    const want = EXPECTED[op][status];
    if (want) expect(v.kind).toBe(want);
    if (v.kind !== 'proceed') expect(v.reason.length).toBeGreaterThan(5);
  });

  it('force turns a running/paused remove into proceed', () => {
    for (const s of ['running', 'paused', 'restarting'] as const) expect(decide('remove', s, { force: true }).kind).toBe('proceed');
  });

  it('uses Docker wording', () => {
    expect(decide('start', 'running')).toEqual({ kind: 'noop', reason: 'container is already running' });
    expect(decide('remove', 'running', { name: 'web' })).toMatchObject({ reason: expect.stringContaining('stop the container before removing or force remove') });
    expect(decide('pause', 'paused', { name: 'web' })).toMatchObject({ reason: 'Container web is already paused' });
  });
});

describe('transitions', () => {
  it('every status has a Docker state and only known targets', () => {
    for (const s of CONTAINER_STATUSES) {
      expect(DOCKER_STATE[s]).toBeTruthy();
      for (const t of TRANSITIONS[s]) expect(CONTAINER_STATUSES).toContain(t);
    }
  });
  it('rejects edges outside the table', () => {
    expect(canTransition('created', 'running')).toBe(false);
    expect(canTransition('running', 'exited')).toBe(true);
    expect(canTransition('removing', 'running')).toBe(false);
  });
});

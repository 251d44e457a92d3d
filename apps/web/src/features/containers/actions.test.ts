import { describe, expect, it } from 'vitest';
import { CONTAINER_ACTIONS, actionState, visibleActions } from './actions.js';

const byId = (id: string) => CONTAINER_ACTIONS.find((a) => a.id === id)!;

describe('container actions follow decide()', () => {
  it('running: stop/kill/pause/restart on, start/remove off', () => {
    expect(actionState(byId('stop'), 'running', 'x').enabled).toBe(true);
    expect(actionState(byId('start'), 'running', 'x').enabled).toBe(false);
    expect(actionState(byId('remove'), 'running', 'x')).toEqual({ enabled: false, reason: expect.stringMatching(/stop the container before removing/) });
  });
  it('exited: start/remove on, stop off', () => {
    expect(actionState(byId('start'), 'exited', 'x').enabled).toBe(true);
    expect(actionState(byId('remove'), 'exited', 'x').enabled).toBe(true);
    expect(actionState(byId('stop'), 'exited', 'x').enabled).toBe(false);
  });
  it('shows resume instead of pause when paused', () => {
    expect(visibleActions('paused').map((a) => a.id)).toContain('unpause');
    expect(visibleActions('paused').map((a) => a.id)).not.toContain('pause');
    expect(visibleActions('running').map((a) => a.id)).not.toContain('unpause');
  });
});

/**
 * @module features/containers/actions
 * The container action registry. Whether a button is enabled is decided by the same pure
 * `decide()` the engine runs before acting, so the UI and the server never disagree.
 */
import { decide, type ContainerOp, type ContainerStatus } from '@berth/runtime/status';

export type ActionId = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'remove';

export interface ContainerAction {
  id: ActionId;
  label: string;
  op: ContainerOp;
  variant: 'secondary' | 'danger';
  confirm?: string;
}

export const CONTAINER_ACTIONS: readonly ContainerAction[] = [
  { id: 'start', label: 'Start', op: 'start', variant: 'secondary' },
  { id: 'stop', label: 'Stop', op: 'stop', variant: 'secondary' },
  { id: 'restart', label: 'Restart', op: 'restart', variant: 'secondary' },
  { id: 'kill', label: 'Kill', op: 'kill', variant: 'danger', confirm: 'Send SIGKILL to this container?' },
  { id: 'pause', label: 'Pause', op: 'pause', variant: 'secondary' },
  { id: 'unpause', label: 'Resume', op: 'unpause', variant: 'secondary' },
  { id: 'remove', label: 'Remove', op: 'remove', variant: 'danger', confirm: 'Remove this container? Its writable layer and logs are deleted.' },
];

/** enabled = the engine would proceed (a no-op such as "already stopped" is disabled too) */
export function actionState(a: ContainerAction, status: ContainerStatus, name: string): { enabled: boolean; reason: string } {
  const v = decide(a.op, status, { name });
  return v.kind === 'proceed' ? { enabled: true, reason: a.label } : { enabled: false, reason: v.reason };
}

/** Pause and resume share a slot: show the one that applies. */
export function visibleActions(status: ContainerStatus): readonly ContainerAction[] {
  return CONTAINER_ACTIONS.filter((a) => (status === 'paused' ? a.id !== 'pause' : a.id !== 'unpause'));
}

/**
 * @module containers/status
 * The container state machine: one persisted status, a transition table, and the pure `decide()`
 * guard used by the engine and (through @berth/api) by the dashboard's buttons.
 * Browser-safe: no Node imports. Messages follow moby's wording (daemon/start.go, stop.go, delete.go).
 */
export const CONTAINER_STATUSES = ['created', 'starting', 'running', 'paused', 'stopping',
  'restarting', 'exited', 'removing', 'dead'] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];

export type DockerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** Docker's view of each status; transient states are shown as Docker would. */
export const DOCKER_STATE: Record<ContainerStatus, DockerState> = {
  created: 'created', starting: 'created', running: 'running', paused: 'paused', stopping: 'running',
  restarting: 'restarting', exited: 'exited', removing: 'removing', dead: 'dead',
};

export const TRANSITIONS: Record<ContainerStatus, readonly ContainerStatus[]> = {
  created: ['starting', 'removing'],
  starting: ['running', 'exited', 'created'],
  running: ['paused', 'stopping', 'exited'],
  paused: ['running', 'stopping', 'exited'],
  stopping: ['exited', 'running', 'paused'],
  exited: ['starting', 'restarting', 'removing'],
  restarting: ['starting', 'exited', 'removing'],
  removing: ['dead'],
  dead: ['removing'],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type ContainerOp = 'start' | 'stop' | 'kill' | 'pause' | 'unpause' | 'restart' | 'remove' | 'exec' | 'attach';
export type Verdict =
  | { kind: 'proceed' }
  | { kind: 'noop'; reason: string }
  | { kind: 'reject'; reason: string };

const proceed: Verdict = { kind: 'proceed' };
const noop = (reason: string): Verdict => ({ kind: 'noop', reason });
const reject = (reason: string): Verdict => ({ kind: 'reject', reason });

/** `name` is only used in messages (Docker names the container in most of them). */
export function decide(op: ContainerOp, status: ContainerStatus, opts: { force?: boolean; name?: string } = {}): Verdict {
  const c = opts.name ?? 'container';
  const notRunning = reject(`Container ${c} is not running`);
  switch (op) {
    case 'start':
      switch (status) {
        case 'created': case 'exited': return proceed;
        case 'running': case 'starting': case 'stopping': return noop('container is already running');
        case 'paused': return reject('cannot start a paused container, try unpause instead');
        case 'restarting': return reject(`Container ${c} is restarting, wait until the container is running`);
        case 'removing': case 'dead': return reject('container is marked for removal and cannot be started');
      }
      break;
    case 'stop':
      switch (status) {
        case 'running': case 'paused': case 'restarting': case 'starting': case 'stopping': return proceed;
        case 'created': case 'exited': return noop('container is already stopped');
        case 'removing': case 'dead': return reject(`Container ${c} is marked for removal`);
      }
      break;
    case 'restart':
      switch (status) {
        case 'removing': case 'dead': return reject(`Container ${c} is marked for removal and cannot be restarted`);
        default: return proceed;
      }
    case 'kill':
      switch (status) {
        case 'running': case 'paused': case 'stopping': return proceed;
        case 'restarting': return reject(`Container ${c} is restarting, wait until the container is running`);
        default: return notRunning;
      }
    case 'pause':
      switch (status) {
        case 'running': return proceed;
        case 'paused': return reject(`Container ${c} is already paused`);
        case 'restarting': return reject(`Container ${c} is restarting, wait until the container is running`);
        default: return notRunning;
      }
    case 'unpause':
      switch (status) {
        case 'paused': return proceed;
        default: return reject(`Container ${c} is not paused`);
      }
    case 'remove':
      switch (status) {
        case 'created': case 'exited': case 'dead': return proceed;
        case 'running': case 'starting': case 'stopping':
          return opts.force ? proceed : reject(`cannot remove container "${c}": container is running: stop the container before removing or force remove`);
        case 'paused':
          return opts.force ? proceed : reject(`cannot remove container "${c}": container is paused and must be unpaused first`);
        case 'restarting':
          return opts.force ? proceed : reject(`cannot remove container "${c}": container is restarting: stop the container before removing or force remove`);
        case 'removing': return reject(`removal of container ${c} is already in progress`);
      }
      break;
    case 'exec':
      switch (status) {
        case 'running': return proceed;
        case 'paused': return reject(`Container ${c} is paused, unpause the container before exec`);
        case 'restarting': return reject(`Container ${c} is restarting, wait until the container is running`);
        default: return notRunning;
      }
    case 'attach':
      switch (status) {
        case 'removing': case 'dead': return reject(`Container ${c} is marked for removal`);
        case 'paused': return reject(`You cannot attach to a paused container, unpause it first`);
        default: return proceed;
      }
  }
  return reject(`operation ${op} is not allowed in state ${status}`);
}

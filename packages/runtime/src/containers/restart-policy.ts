/**
 * @module containers/restart-policy
 * The pure restart decision of moby's restartmanager: whether an exited container comes back and
 * after how long. Vocabulary: `stoppedByUser` is moby's HasBeenManuallyStopped plus its
 * "exit on next" cancel (a `stop`, or a `kill` with SIGKILL or the stop signal); `ranMs` is how
 * long the container ran before this exit; `previousDelayMs` is the backoff used for the restart
 * before (0 when none), which doubles from 100 ms up to 1 min and resets after a 10 s run.
 */
import type { RestartPolicy } from './container-types.js';

export const RESTART_BASE_DELAY_MS = 100;
export const RESTART_MAX_DELAY_MS = 60_000;
/** A container that ran at least this long starts its backoff over. */
export const RESTART_RESET_AFTER_MS = 10_000;

export interface ExitFacts {
  exitCode: number;
  /** Restarts done so far (the record's restartCount). */
  restartCount: number;
  stoppedByUser: boolean;
  ranMs?: number;
  previousDelayMs?: number;
}

export interface RestartDecision {
  restart: boolean;
  delayMs: number;
}

/** The backoff delay of the next restart, moby's doubling with a cap. */
export function nextDelayMs(previousDelayMs = 0, ranMs = 0): number {
  const prev = ranMs >= RESTART_RESET_AFTER_MS ? 0 : previousDelayMs;
  if (prev <= 0) return RESTART_BASE_DELAY_MS;
  return Math.min(prev * 2, RESTART_MAX_DELAY_MS);
}

/** Whether the policy brings a container back after an exit observed while the daemon runs. */
export function shouldRestart(policy: RestartPolicy | undefined, facts: ExitFacts): RestartDecision {
  const delayMs = nextDelayMs(facts.previousDelayMs, facts.ranMs);
  const no = { restart: false, delayMs: 0 };
  if (!policy || policy.name === 'no' || facts.stoppedByUser) return no;
  switch (policy.name) {
    case 'always': case 'unless-stopped':
      return { restart: true, delayMs };
    case 'on-failure': {
      const max = policy.maximumRetryCount;
      if (facts.exitCode === 0 || (max > 0 && facts.restartCount >= max)) return no;
      return { restart: true, delayMs };
    }
  }
  return no;
}

/**
 * Docker's start-at-boot rule (container.ShouldRestart at daemon restore): `always` comes back even
 * after a manual stop, `unless-stopped` only when it was not stopped by the user, `on-failure` when
 * it failed and retries are left.
 */
export function shouldStartOnBoot(policy: RestartPolicy | undefined, facts: Omit<ExitFacts, 'ranMs' | 'previousDelayMs'>): boolean {
  if (!policy) return false;
  if (policy.name === 'always') return true;
  return shouldRestart(policy, facts).restart;
}

/**
 * @module containers/health-config
 * Healthcheck vocabulary (moby daemon/health.go): the defaults behind zero durations, the probe
 * command a Test array stands for, create-time validation with Docker's messages, and the pure
 * state machine that folds one probe result into State.Health.
 */
import type { ContainerRecord, HealthConfig, HealthLogEntry, HealthState } from './container-types.js';
import { errors } from '../errors/engine-error.js';

export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_START_INTERVAL_NS = 5e9;
export const DEFAULT_RETRIES = 3;
/** moby maxLogEntries / maxOutputLen. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_LEN = 4096;
const MIN_DURATION_NS = 1e6;

/** The probe's argv, or undefined when there is no active check (none, empty, NONE). */
export function probeCommand(h: HealthConfig | undefined): string[] | undefined {
  const t = h?.test;
  if (!t?.length || t[0] === 'NONE') return undefined;
  if (t[0] === 'CMD') return t.length > 1 ? t.slice(1) : undefined;
  if (t[0] === 'CMD-SHELL') return t.length > 1 ? ['/bin/sh', '-c', t.slice(1).join(' ')] : undefined;
  // moby treats an unknown first word like CMD-SHELL of the whole list.
  return ['/bin/sh', '-c', t.join(' ')];
}

export const hasHealthcheck = (rec: ContainerRecord): boolean => probeCommand(rec.config.healthcheck) !== undefined;

/** moby daemon/container.go validateHealthCheck. */
export function validateHealthConfig(h: HealthConfig | undefined): void {
  if (!h) return;
  const check = (v: number | undefined, name: string) => {
    if (v !== undefined && v !== 0 && v < MIN_DURATION_NS) throw errors.invalid(`${name} in Healthcheck cannot be less than 1ms`);
  };
  check(h.interval, 'Interval');
  check(h.timeout, 'Timeout');
  if ((h.retries ?? 0) < 0) throw errors.invalid('Retries in Healthcheck cannot be negative');
  check(h.startPeriod, 'StartPeriod');
  check(h.startInterval, 'StartInterval');
}

export interface ProbeTimings { intervalMs: number; timeoutMs: number; startPeriodMs: number; startIntervalMs: number; retries: number }

export function timings(h: HealthConfig): ProbeTimings {
  const ms = (ns: number | undefined, def: number) => (ns && ns > 0 ? ns : def) / 1e6;
  return {
    intervalMs: ms(h.interval, DEFAULT_INTERVAL_NS),
    timeoutMs: ms(h.timeout, DEFAULT_TIMEOUT_NS),
    startPeriodMs: ms(h.startPeriod, 0),
    startIntervalMs: ms(h.startInterval, DEFAULT_START_INTERVAL_NS),
    retries: h.retries && h.retries > 0 ? h.retries : DEFAULT_RETRIES,
  };
}

/** Go's time.Duration String() for the values a timeout takes ("5s", "1.5s", "500ms", "1m0s"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m${rest}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`;
}

export const startingHealth = (): HealthState => ({ status: 'starting', failingStreak: 0, log: [] });

/** moby handleProbeResult: the new state (a copy) after one probe. */
export function foldProbe(prev: HealthState, result: HealthLogEntry, t: ProbeTimings, startedAt: string | null): HealthState {
  const log = [...prev.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  let { status, failingStreak } = prev;
  // Failures during the start period do not count until the first success.
  const sinceStart = startedAt ? Date.parse(result.start) - Date.parse(startedAt) : Infinity;
  if (!(status === 'starting' && sinceStart < t.startPeriodMs)) {
    failingStreak++;
    if (failingStreak >= t.retries) status = 'unhealthy';
  }
  return { status, failingStreak, log };
}
